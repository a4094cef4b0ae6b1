"""Turning spec names into Python names: identifiers, classes, modules; collisions resolved."""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")

# --- reserved names: every name the generated code uses itself, by where it uses it -------------------

#: Names a generated module imports for itself: a model or resource class is never called one of them.
#: (A resource module imports models beside the runtime's classes: ``Stream``, ``RequestOptions``...)
RESERVED_IN_MODULES = frozenset(
    "Annotated Any BaseModel Dict Field List Literal Optional Union TypeAlias annotations httpx datetime date time"
    " UUID cached_property TYPE_CHECKING Lenient Tag Discriminator TypeAliasType Tuple Base64Bytes Mapping Callable"
    " Sequence TypedDict Required NoneType Type BinaryAPIResponse deprecated Pagination SyncPage Stream AsyncStream"
    " JSONLDecoder Unpack RequestOptions NotGiven FileTypes FileContent Styled SyncAPIResource AsyncAPIResource".split()
)
#: The runtime's names that begin with Sync or Async (its classes, and what its pagination module imports):
#: the page classes a pagination scheme's ``page`` names (``Sync<page>``, ``Async<page>``) never take one.
TAKEN_PAGE_CLASS_NAMES = frozenset(
    "SyncPage AsyncPage AsyncPaginator AsyncIterator SyncAPIClient AsyncAPIClient SyncAPIResource AsyncAPIResource"
    " AsyncStream AsyncJSONLDecoder AsyncAPIResponse AsyncBinaryAPIResponse".split()
)
#: Attributes pydantic's BaseModel has, and the lower-case names a model module's annotations use (an
#: attribute of that name would shadow it in the class body): a property taking one gets a trailing "_".
MODEL_ATTRIBUTES = frozenset(
    "model_config model_fields model_computed_fields model_extra model_fields_set copy dict json schema schema_json"
    " construct validate to_dict to_json parse_obj parse_raw parse_file from_orm update_forward_refs model_dump"
    " model_dump_json model_validate model_validate_json model_copy model_construct model_json_schema"
    " model_post_init model_rebuild model_parametrized_name model_validate_strings"
    " str int float bool bytes object date datetime time".split()
)
#: Keyword arguments every generated method has: parameters and body fields are renamed around them.
METHOD_ARGUMENTS = frozenset("self extra_headers extra_query extra_body timeout options body content_type".split())
#: Helpers a method's code calls. Those and the names in the types it hands the runtime (``cast``,
#: ``Type``, ``NoneType``, ``str``, model classes...) are never the name of one of its arguments.
METHOD_HELPERS = frozenset("require_non_empty include_defaults Styled warn_deprecated".split())
#: The client's constructor arguments and attributes, and the names its module uses (a credential
#: named ``os`` would shadow ``os.environ``): a resource attribute taking one gets a trailing "_", a
#: credential argument "_credential".
CLIENT_NAMES = RESERVED_IN_MODULES | frozenset(
    "self base_url timeout max_retries default_headers default_query http_client os httpx cached_property ClassVar"
    " Mapping TYPE_CHECKING NOT_GIVEN NotGiven DEFAULT_MAX_RETRIES DEFAULT_BASE_URL security_schemes with_options"
    " copy request close is_closed strict_response_validation get post put patch delete _any_credential".split()
)
#: Names a resource or client module imports: a resource class is never called one of them.
RESOURCE_MODULE_NAMES = frozenset(
    "Body Headers Query NotGiven NOT_GIVEN RequestOptions Unpack FileTypes FileContent Styled SyncAPIResource"
    " AsyncAPIResource SyncAPIClient AsyncAPIClient SecurityScheme ApiKeyAuth HttpBasicAuth HttpBearerAuth ClassVar"
    " Mapping DEFAULT_MAX_RETRIES List Dict Literal Optional Union Sequence".split()
)


#: Letters that Unicode does not decompose into ASCII ones.
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "Ae",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "Oe",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


@lru_cache(maxsize=65536)
def _ascii_words(text: str) -> tuple[str, ...]:
    """The words of ``text``, split at case changes and punctuation, transliterated to ASCII."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE)).encode("ascii", "ignore").decode("ascii")
    return tuple(_WORD.findall(text))


@lru_cache(maxsize=65536)
def snake(text: str) -> str:
    return "_".join(w.lower() for w in _ascii_words(text))


@lru_cache(maxsize=65536)
def pascal(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in _ascii_words(text))


def is_identifier(name: str) -> bool:
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name) and not keyword.issoftkeyword(name)


def python_name(text: str, *, fallback: str) -> str:
    """A snake_case identifier for ``text``: never a keyword, never starting with a digit."""
    name = snake(text) or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


#: Where a title stops naming the API: words that start a clause, and these characters.
_TITLE_STOP = re.compile(
    r"[(\[+,;|]|\b(?:with|without|w/o|for|from|by|and|using|via|featuring|including|powered)\b", re.I
)
#: Words that say it is an API rather than which one: left off the ends of a title.
_TITLE_NOISE_END = frozenset(
    "api apis rest restful openapi swagger spec specification web http https json service services"
    " documentation docs reference definition definitions official sdk interface".split()
)
_TITLE_NOISE_START = frozenset("the swagger openapi".split())
_VERSION = re.compile(r"v?\d+(?:\.\d+)*", re.I)
#: At most this many words of a title name the client.
TITLE_WORDS = 3


def title_name(title: str) -> str:
    """The words of an API's title that name its client: up to the first clause word or bracket,
    without a possessive, without ``API``, ``REST``, version numbers... at the ends, at most
    ``TITLE_WORDS`` words (all of the title's first word if nothing else is left)."""
    head = _TITLE_STOP.split(title, maxsplit=1)[0]
    words = [re.sub(r"['’]s$", "", w) for w in head.split() if any(c.isalnum() for c in w)]

    def trim(words: list[str]) -> list[str]:
        while words and (words[-1].lower() in _TITLE_NOISE_END or _VERSION.fullmatch(words[-1])):
            words = words[:-1]
        return words

    while words and words[0].lower() in _TITLE_NOISE_START:
        words = words[1:]
    words = trim(trim(words)[:TITLE_WORDS])
    return " ".join(words) if words else " ".join(title.split()[:1])


def class_name(text: str, *, fallback: str = "Model") -> str:
    name = pascal(text) or fallback
    if name[0].isdigit():
        name = f"{fallback}{name}"
    if name in RESERVED_IN_MODULES or keyword.iskeyword(name) or name in vars(builtins):
        name += "Model"
    return name


def unique(name: str, taken: set[str], *, fold_case: bool = False) -> str:
    """``name``, or ``name_2``, ``name_3``... whichever is free; the result is added to ``taken``."""

    def key(n: str) -> str:
        return n.lower() if fold_case else n

    candidate, n = name, 1
    sep = "_" if name[-1:].islower() or name.endswith("_") else ""
    while key(candidate) in taken:
        n += 1
        candidate = f"{name}{sep}{n}" if sep or not name[-1:].isdigit() else f"{name}_{n}"
    taken.add(key(candidate))
    return candidate
