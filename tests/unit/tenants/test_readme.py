"""tenants/README.md, written for hospital IT, describes every tenant setting: a key added to
the schema without a line there fails here."""
from pathlib import Path

from pydantic import BaseModel

from portal.tenants.schema import RateLimit, TenantConfig

README = Path(__file__).resolve().parents[3] / "tenants" / "README.md"


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        if name == "folder":  # set by the loader, not by YAML
            continue
        annotation = field.annotation
        nested = isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation is not RateLimit
        keys += _keys(annotation, f"{prefix}{name}.") if nested else [f"{prefix}{name}"]
    return keys


def test_every_tenant_setting_is_described_for_hospital_it():
    text = README.read_text(encoding="utf-8")
    missing = [key for key in _keys(TenantConfig) if f"`{key}`" not in text]
    assert not missing, f"describe these tenant settings for hospital IT in tenants/README.md: {missing}"
