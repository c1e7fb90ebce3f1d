"""The generated pages' schema.org JSON-LD: a NewsArticle for each article (with a
ClaimReview for each real fact-check), the glossary as a DefinedTermSet, and each entity
as a DefinedTerm. The pages carry it in a :func:`~.site.json_ld_script` block.
"""

from __future__ import annotations

from typing import Any

from ...core.anchoring import fold_whitespace
from ...core.model import VERDICT_KINDS, VERDICT_LABELS, Annotation, Article, Briefing, Entity
from ..pages import GLOSSARY
from .site import Site

SCHEMA_ORG = "https://schema.org"

VERDICT_SCALE = {"false": 1, "misleading": 2, "mixed": 3, "mostly-accurate": 4, "accurate": 5}
"""ClaimReview's ratingValue, worst (1) to best (5). ``unverified`` has no place on the
scale: such a note is shown with its label but published as no ClaimReview."""


def _organization(site: Site) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "Organization", "name": site.name}
    if site.absolute:
        out["url"] = site.base
    return out


def _thing(entity: Entity, site: Site) -> dict[str, Any]:
    return {"@type": "Thing", "name": entity.name, "url": site.entity(entity.id)}


def is_claim_review(annotation: Annotation) -> bool:
    """Is the note a real fact-check, published as a ClaimReview: a fact-check or a
    correction whose verdict stands on the scale (``unverified`` rates nothing) and that
    cites a source a reader can open? An update never is: it reports later events and
    rates nothing (the passage was accurate when published)."""
    model = annotation.model
    return (
        model.kind in VERDICT_KINDS
        and model.verdict in VERDICT_SCALE
        and any(source.url for source in model.sources)
    )


def claim_review(annotation: Annotation, article: Article, site: Site) -> dict[str, Any]:
    """The schema.org ClaimReview of a note that :func:`is_claim_review`: its verdict
    rates the passage as of the article's publication."""
    model = annotation.model
    assert model.verdict in VERDICT_SCALE
    rating: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": VERDICT_LABELS[model.verdict],
        "ratingValue": VERDICT_SCALE[model.verdict],
        "bestRating": max(VERDICT_SCALE.values()),
        "worstRating": min(VERDICT_SCALE.values()),
    }
    claim: dict[str, Any] = {"@type": "Claim"}
    source = article.model.source
    if source is not None:
        claim["author"] = {"@type": "Organization", "name": source.name}
        appearance: dict[str, Any] = {"@type": "CreativeWork", "name": source.name}
        if source.url:
            appearance["url"] = source.url
        if source.published:
            appearance["datePublished"] = source.published
            claim["datePublished"] = source.published
        claim["appearance"] = appearance
    return {
        "@type": "ClaimReview",
        "url": site.note(annotation),
        "claimReviewed": fold_whitespace(model.quote),
        "reviewRating": rating,
        "itemReviewed": claim,
        "author": _organization(site),
        "datePublished": (model.date or article.date).isoformat(),
    }


def article_json_ld(article: Article, site: Site, briefing: Briefing) -> dict[str, Any]:
    """NewsArticle, and a ClaimReview for every real fact-check (:func:`is_claim_review`)."""
    news: dict[str, Any] = {
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.date.isoformat(),
        "url": site.article(article.slug),
        "mainEntityOfPage": site.article(article.slug),
        "publisher": _organization(site),
        "author": [{"@type": "Person", "name": name} for name in article.model.authors]
        or [_organization(site)],
    }
    if article.model.summary:
        news["description"] = article.model.summary
    if article.model.tags:
        news["keywords"] = list(article.model.tags)
    source = article.model.source
    if source is not None and source.url:
        news["isBasedOn"] = source.url
    about = sorted(
        {e for a in article.annotations for e in a.model.entities if e in briefing.entities}
    )
    if about:
        news["about"] = [_thing(briefing.entities[e], site) for e in about]
    reviews = [claim_review(a, article, site) for a in article.annotations if is_claim_review(a)]
    return {"@context": SCHEMA_ORG, "@graph": [news, *reviews]}


def _defined_term(entity: Entity, site: Site, term_set: str) -> dict[str, Any]:
    term: dict[str, Any] = {
        "@type": "DefinedTerm",
        "@id": site.entity(entity.id),
        "name": entity.name,
        "termCode": entity.id,
        "description": entity.summary,
        "url": site.entity(entity.id),
        "inDefinedTermSet": term_set,
    }
    if entity.model.aliases:
        term["alternateName"] = list(entity.model.aliases)
    return term


def glossary_json_ld(briefing: Briefing, site: Site) -> dict[str, Any]:
    """The glossary as a DefinedTermSet of DefinedTerms (aliases as alternate names)."""
    term_set = site.url(GLOSSARY)
    return {
        "@context": SCHEMA_ORG,
        "@type": "DefinedTermSet",
        "@id": term_set,
        "name": f"{site.name}: glossary",
        "url": term_set,
        "hasDefinedTerm": [
            _defined_term(e, site, term_set)
            for e in sorted(briefing.entities.values(), key=lambda e: e.id)
        ],
    }


def entity_json_ld(entity: Entity, site: Site) -> dict[str, Any]:
    return {"@context": SCHEMA_ORG, **_defined_term(entity, site, site.url(GLOSSARY))}


def page_json_ld(uri: str, briefing: Briefing, site: Site) -> dict[str, Any] | None:
    """The JSON-LD of a generated page, by its ``src_uri`` (None: the page has none)."""
    if uri == GLOSSARY:
        return glossary_json_ld(briefing, site)
    if uri.startswith("articles/") and uri.endswith(".md"):
        article = briefing.article(uri[len("articles/") : -len(".md")])
        return article_json_ld(article, site, briefing) if article else None
    if uri.startswith("glossary/") and uri.endswith(".md"):
        entity = briefing.entities.get(uri[len("glossary/") : -len(".md")])
        return entity_json_ld(entity, site) if entity else None
    return None
