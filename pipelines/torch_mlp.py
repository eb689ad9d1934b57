"""The torch MLP and its training loop.

The whole data set lives on the device as tensors and batches are index slices of it: no per-sample Python,
no DataLoader collation. On CUDA the forward pass runs under bf16 autocast.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from pipelines.types import TrainHistory


@dataclass(frozen=True)
class MLPConfig:
    """Architecture and optimisation settings; the architecture part is saved with the weights."""

    n_inputs: int
    n_outputs: int
    hidden: tuple[int, ...] = (64, 32)
    dropout: float = 0.1
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 256
    max_epochs: int = 60
    patience: int = 6

    @classmethod
    def from_params(cls, n_inputs: int, n_outputs: int, params: dict[str, Any]) -> MLPConfig:
        known = {k: v for k, v in params.items() if k in cls.__dataclass_fields__}
        if "hidden" in known:
            known["hidden"] = tuple(int(h) for h in known["hidden"])
        return cls(n_inputs=n_inputs, n_outputs=n_outputs, **known)


def build_mlp(config: MLPConfig) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = config.n_inputs
    for hidden in config.hidden:
        layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(config.dropout)]
        width = hidden
    layers.append(nn.Linear(width, config.n_outputs))
    return nn.Sequential(*layers)


def resolve_device(requested: str = "auto") -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def _loss_fn(task: str) -> nn.Module:
    return {"binary": nn.BCEWithLogitsLoss(), "multiclass": nn.CrossEntropyLoss(), "regression": nn.MSELoss()}[task]


def _prepare_target(y: np.ndarray, task: str, device: torch.device) -> torch.Tensor:
    if task == "multiclass":
        return torch.as_tensor(y, dtype=torch.long, device=device)
    return torch.as_tensor(y, dtype=torch.float32, device=device).reshape(-1, 1)


def fit_mlp(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_valid: np.ndarray,
    y_valid: np.ndarray,
    task: str,
    config: MLPConfig,
    device: torch.device,
    seed: int,
) -> tuple[nn.Sequential, TrainHistory]:
    """Train with early stopping on the validation loss; returns the best weights (on the CPU) and the history."""
    torch.manual_seed(seed)
    model = build_mlp(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loss_fn = _loss_fn(task)
    xt = torch.as_tensor(x_train, dtype=torch.float32, device=device)
    yt = _prepare_target(y_train, task, device)
    xv = torch.as_tensor(x_valid, dtype=torch.float32, device=device)
    yv = _prepare_target(y_valid, task, device)
    use_bf16 = device.type == "cuda"
    generator = torch.Generator(device=device).manual_seed(seed)

    history = TrainHistory()
    best_loss, best_state, bad_epochs = float("inf"), copy.deepcopy(model.state_dict()), 0
    n = xt.shape[0]
    for epoch in range(config.max_epochs):
        model.train()
        order = torch.randperm(n, device=device, generator=generator)
        total = torch.zeros((), device=device)
        for start in range(0, n, config.batch_size):
            index = order[start : start + config.batch_size]
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
                loss = loss_fn(model(xt[index]).float(), yt[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * index.numel()
        model.eval()
        with torch.no_grad(), torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
            valid_loss = float(loss_fn(model(xv).float(), yv))
        history.train_loss.append(float(total) / n)  # one device sync per epoch, not per batch
        history.valid_loss.append(valid_loss)
        if valid_loss < best_loss - 1e-5:
            best_loss, best_state, bad_epochs = valid_loss, copy.deepcopy(model.state_dict()), 0
            history.best_epoch = epoch
        else:
            bad_epochs += 1
            if bad_epochs >= config.patience:
                history.stopped_early = True
                break
    model.load_state_dict(best_state)
    return model.cpu().eval(), history


def predict_raw(model: nn.Sequential, x: np.ndarray) -> np.ndarray:
    """The network's outputs (logits for classifiers) for a float matrix, on the CPU."""
    with torch.inference_mode():
        return model(torch.as_tensor(x, dtype=torch.float32)).numpy()
