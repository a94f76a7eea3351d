"""The global search box: each area registers a provider that returns the hits an agent may see."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SearchHit:
    label: str
    url: str
    detail: str = ""
    # The text named this object exactly (e.g. a whole ticket number): a lone exact hit is opened
    # directly instead of listing results.
    exact: bool = False


@dataclass(frozen=True)
class SearchProvider:
    key: str
    title: str
    search: Callable[[object, str], list[SearchHit]]  # (agent, text) -> hits, already permitted


_PROVIDERS: dict[str, SearchProvider] = {}


def register(provider: SearchProvider) -> None:
    _PROVIDERS[provider.key] = provider


def providers() -> list[SearchProvider]:
    return list(_PROVIDERS.values())


def search_everything(agent, text: str) -> list[tuple[SearchProvider, list[SearchHit]]]:
    """Each provider's hits for ``text``, leaving out providers with none."""
    text = text.strip()
    if not text:
        return []
    results = []
    for provider in providers():
        hits = provider.search(agent, text)
        if hits:
            results.append((provider, hits))
    return results


def exact_hit(results: list[tuple[SearchProvider, list[SearchHit]]]) -> SearchHit | None:
    """The only hit of all providers, when the text named it exactly; else None."""
    hits = [hit for _provider, provider_hits in results for hit in provider_hits]
    if len(hits) == 1 and hits[0].exact:
        return hits[0]
    return None
