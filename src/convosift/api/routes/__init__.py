"""The API's routers, one module per resource.

Conversation ids come from the help desk or from a file and may hold any character. Starlette's
``path`` convertor (``.*``) stops at a line break, so a stored conversation whose id holds one
answered 404 on its own page; ``{name:id}`` takes every character.
"""

from starlette.convertors import Convertor, register_url_convertor


class _AnyId(Convertor[str]):
    regex = r"[\s\S]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("id", _AnyId())
