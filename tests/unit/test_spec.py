from pathlib import Path

import pytest
import yaml

from shadowloop.spec import ProjectSpec, SpecError, discover_specs, load_spec
from tests.factories import tiny_spec_dict

pytestmark = pytest.mark.unit


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_shipped_specs_are_valid() -> None:
    specs = discover_specs("specs")
    assert {s.name for s in specs} >= {"fraud", "diabetes", "wine"}
    assert {s.task for s in specs} == {"binary", "multiclass", "regression"}


def test_error_names_file_field_and_expectation(tmp_path: Path) -> None:
    data = tiny_spec_dict()
    data["model"]["family"] = "xgboost"
    path = _write(tmp_path, data)
    with pytest.raises(SpecError) as error:
        load_spec(path)
    message = str(error.value)
    assert str(path) in message
    assert "model.family" in message
    assert "random_forest" in message  # what was expected


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["features"].update(numeric=["x1", "nope"]), "not declared in 'schema'"),
        (lambda d: d["metrics"].update(primary="rmse"), "does not fit task"),
        (lambda d: d.update(surprise=1), "surprise"),
        (lambda d: d["source"].update(uri=None), "either 'uri'"),
        (lambda d: d["features"].update(monotonic={"colour": "increasing"}), "must be numeric"),
    ],
)
def test_inconsistent_specs_are_refused(tmp_path: Path, change, fragment: str) -> None:
    data = tiny_spec_dict()
    change(data)
    with pytest.raises(SpecError, match=fragment):
        load_spec(_write(tmp_path, data))


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="mapping"):
        load_spec(_write(tmp_path, ["a", "list"]))


def test_overrides_apply_dotted_paths_and_revalidate() -> None:
    spec = ProjectSpec.model_validate(tiny_spec_dict())
    changed = spec.with_overrides({"model.params.C": 0.5, "split.seed": 3})
    assert changed.model.params == {"C": 0.5}
    assert changed.split.seed == 3
    with pytest.raises(SpecError, match="split.test_size"):
        spec.with_overrides({"split.test_size": 0.9})
