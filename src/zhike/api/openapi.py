"""The OpenAPI document states every 4xx an operation may answer, in the one error shape
(``api.schema.ErrorOut``), so that clients — and the schemathesis test — know them."""

from typing import Any

from ninja import NinjaAPI

from .schema import ErrorOut

# status -> (when it is answered, which operations)
ERRORS: dict[int, str] = {
    400: "输入有误:字段错误逐项列在 errors 中 / invalid input, each field's problem in errors",
    401: "未登录或令牌无效 / not signed in, or the token is invalid, expired or revoked",
    403: "没有该操作的权限 / the user's roles do not allow this action",
    404: "不存在或不在您的数据范围内 / does not exist, or is outside your data scope",
    409: "与他人同时的操作冲突或重复 / conflicts with an existing record or a concurrent change",
    413: "请求体过大 / the request body is larger than the server accepts",
    429: "操作过于频繁,稍后再试 / too many attempts; try again later",
}
WRITES = {"post", "put", "patch", "delete"}
# Query parameters that name a record by its code (the pool of /ownership/pool, the
# complaint number of /service/public/status): an unknown or foreign one is a 404, as an
# id is.
RECORD_CODES = {"pool", "number"}


def _errors_of(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    secured = operation.get("security") != []
    statuses = [400] if has_input or method in WRITES else []
    if secured:
        statuses += [401, 403, 429]
    # A record named in the path, or by a required *_id query parameter (the follow-ups of
    # customer_id), may be missing or out of scope.
    names_a_record = any(
        (p.get("required") and str(p.get("name", "")).endswith("_id"))
        or p.get("name") in RECORD_CODES
        for p in operation.get("parameters", [])
    )
    if "{" in path or method in WRITES or names_a_record:
        statuses.append(404)
    if method in WRITES:
        statuses += [409, 413]
    if not secured:
        statuses.append(429)  # signing in is throttled
    return sorted(set(statuses))


class DocumentedErrorsAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(
            {
                name: definition
                for name, definition in ErrorOut.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                )
                .get("$defs", {})
                .items()
            }
        )
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        error_schema.pop("$defs", None)
        components["ErrorOut"] = error_schema
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for path, methods in schema.get("paths", {}).items():
            for method, operation in methods.items():
                responses = operation.setdefault("responses", {})
                for status in _errors_of(path, method, operation):
                    responses.setdefault(
                        str(status),
                        {
                            "description": ERRORS[status],
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        return schema
