"""The BentoML endpoint: the champion answers behind auth, limits, a cache, batching and fallbacks.

Pure decisions (request schema, cache keys, auth, fallbacks) live in their own small modules so they can be
tested without a server; `serving.service` wires them into the `ChampionService` BentoML class.
"""
