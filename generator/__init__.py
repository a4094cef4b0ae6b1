"""oagen: generate a typed Python client (httpx + pydantic v2) from an OpenAPI 3.0/3.1 document."""
