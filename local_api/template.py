"""What template.yaml says about the functions behind the HTTP API: routes, code, layers, environment, limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LAYER_TYPE = "AWS::Serverless::LayerVersion"
FUNCTION_TYPE = "AWS::Serverless::Function"
# SAM's defaults when neither the function nor Globals set them.
DEFAULT_TIMEOUT_SECONDS = 3
DEFAULT_MEMORY_MB = 128

EnvValue = str | dict[str, Any]
"""A variable's value: a string, or the CloudFormation intrinsic (e.g. {"Ref": "SomeResource"}) the template could
not resolve by itself."""


class TemplateError(Exception):
    """template.yaml asks for something the local API cannot reproduce."""


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation's short tags (!Ref, !Sub, !GetAtt, ...)."""


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise TemplateError(f"!{suffix} on an unexpected YAML node")
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


@dataclass(frozen=True)
class Route:
    """One HttpApi event: API Gateway's route key is f"{method} {path}"."""

    method: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class FunctionSpec:
    """An AWS::Serverless::Function with its Globals applied; paths are absolute."""

    logical_id: str
    code_uri: Path
    handler: str
    layer_dirs: tuple[Path, ...]
    environment: Mapping[str, EnvValue]
    timeout_seconds: int
    memory_mb: int
    routes: tuple[Route, ...]


def load_template(path: Path) -> dict[str, Any]:
    """The template as plain data, short tags turned into their long form ({"Ref": x}, {"Fn::Sub": x}, ...)."""
    with path.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template with Resources")
    return document


def read_functions(path: Path) -> list[FunctionSpec]:
    """Every function with at least one `Type: HttpApi` event, in template order."""
    template = load_template(path)
    resources: dict[str, Any] = template["Resources"]
    parameters: dict[str, Any] = template.get("Parameters") or {}
    conditions: dict[str, Any] = template.get("Conditions") or {}
    global_props: dict[str, Any] = (template.get("Globals") or {}).get("Function") or {}
    specs = []
    served_by: dict[Route, str] = {}
    for logical_id, resource in resources.items():
        props = resource.get("Properties") or {}
        routes = _routes(logical_id, props) if resource.get("Type") == FUNCTION_TYPE else ()
        for route in routes:
            if route in served_by:
                raise TemplateError(f"route {route.key} is served by both {served_by[route]} and {logical_id}")
            served_by[route] = logical_id
        if routes:
            specs.append(
                _function_spec(
                    logical_id,
                    props,
                    global_props=global_props,
                    resources=resources,
                    parameters=parameters,
                    conditions=conditions,
                    base_dir=path.resolve().parent,
                    routes=routes,
                )
            )
    return specs


def _routes(logical_id: str, props: Mapping[str, Any]) -> tuple[Route, ...]:
    routes = []
    for event_id, event in (props.get("Events") or {}).items():
        if event.get("Type") != "HttpApi":
            continue
        event_props = event.get("Properties") or {}
        method, path = event_props.get("Method"), event_props.get("Path")
        if not isinstance(method, str) or not isinstance(path, str):
            raise TemplateError(f"{logical_id} event {event_id}: the local API needs a literal Method and Path")
        routes.append(Route(method.upper(), path))
    return tuple(routes)


def _function_spec(
    logical_id: str,
    props: Mapping[str, Any],
    *,
    global_props: Mapping[str, Any],
    resources: Mapping[str, Any],
    parameters: Mapping[str, Any],
    conditions: Mapping[str, Any],
    base_dir: Path,
    routes: tuple[Route, ...],
) -> FunctionSpec:
    def prop(name: str) -> Any:
        return props.get(name, global_props.get(name))

    code_uri, handler = prop("CodeUri"), prop("Handler")
    if not isinstance(code_uri, str) or not isinstance(handler, str):
        raise TemplateError(f"{logical_id}: the local API needs a local CodeUri directory and a Handler")
    # SAM appends a function's own Layers to the global ones and merges Variables (the function's win).
    layers = [*(global_props.get("Layers") or []), *(props.get("Layers") or [])]
    environment = {**_variables(global_props), **_variables(props)}
    return FunctionSpec(
        logical_id=logical_id,
        code_uri=base_dir / code_uri,
        handler=handler,
        layer_dirs=tuple(base_dir / _layer_content_uri(logical_id, layer, resources) for layer in layers),
        environment={name: _resolve(value, parameters, conditions) for name, value in environment.items()},
        timeout_seconds=_number(logical_id, "Timeout", prop("Timeout"), DEFAULT_TIMEOUT_SECONDS, parameters),
        memory_mb=_number(logical_id, "MemorySize", prop("MemorySize"), DEFAULT_MEMORY_MB, parameters),
        routes=routes,
    )


def _variables(props: Mapping[str, Any]) -> dict[str, Any]:
    return dict(((props.get("Environment") or {}).get("Variables")) or {})


def _layer_content_uri(logical_id: str, layer: Any, resources: Mapping[str, Any]) -> str:
    target = layer.get("Ref") if isinstance(layer, dict) else None
    resource = resources.get(target) if isinstance(target, str) else None
    content_uri = (resource.get("Properties") or {}).get("ContentUri") if isinstance(resource, dict) else None
    if resource is None or resource.get("Type") != LAYER_TYPE or not isinstance(content_uri, str):
        raise TemplateError(
            f"{logical_id}: layer {layer!r} is not a !Ref to an {LAYER_TYPE} with a local ContentUri in the template"
        )
    return content_uri


def _resolve(value: Any, parameters: Mapping[str, Any], conditions: Mapping[str, Any] | None = None) -> Any:
    """A scalar as CloudFormation passes it (a string), a !Ref to a parameter as its Default, an !If whose condition
    the parameters' defaults decide as the branch they choose (e.g. an optional resource's name: "" when it is off by
    default), anything else as is."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, dict) and set(value) == {"Fn::If"} and conditions is not None:
        name, if_true, if_false = value["Fn::If"]
        chosen = _condition(name, parameters, conditions)
        if chosen is not None:
            resolved = _resolve(if_true if chosen else if_false, parameters, conditions)
            return resolved if isinstance(resolved, str) else value
    ref = value.get("Ref") if isinstance(value, dict) and len(value) == 1 else None
    default = (parameters.get(ref) or {}).get("Default") if isinstance(ref, str) else None
    return value if default is None else _resolve(default, parameters)


def _condition(name: Any, parameters: Mapping[str, Any], conditions: Mapping[str, Any]) -> bool | None:
    """The condition's value with every parameter at its Default; None when it needs more (a pseudo parameter,
    Fn::Split...)."""

    def truth(node: Any) -> bool | None:
        if not isinstance(node, dict) or len(node) != 1:
            return None
        ((function, args),) = node.items()
        if function == "Condition":
            return truth(conditions.get(args))
        if function == "Fn::Equals":
            left, right = (_resolve(arg, parameters) for arg in args)
            return left == right if isinstance(left, str) and isinstance(right, str) else None
        values = [truth(arg) for arg in args] if function in ("Fn::Not", "Fn::And", "Fn::Or") else [None]
        if None in values:
            return None
        return not values[0] if function == "Fn::Not" else all(values) if function == "Fn::And" else any(values)

    return truth(conditions.get(name))


def _number(logical_id: str, name: str, value: Any, default: int, parameters: Mapping[str, Any]) -> int:
    resolved = _resolve(default if value is None else value, parameters)
    try:
        return int(resolved)
    except (TypeError, ValueError):
        raise TemplateError(f"{logical_id}: {name} is {value!r}, which the local API cannot resolve") from None
