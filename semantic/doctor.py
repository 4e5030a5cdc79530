"""The doctor's semantic line (registered in ``CONVERGE_DOCTOR_CHECKS``): the active
embedding provider can be used, and the index follows it. Never loads the model."""

from __future__ import annotations

from converge_core.errors import InvalidInput
from converge_core.states import ACTIVE
from intents.models import Intent
from interfaces.doctor import Check
from semantic.models import Embedding
from semantic.providers import provider_get

REINDEX = "Run `converge semantic reindex`"


def check_semantic_index() -> Check:
    try:
        provider = provider_get()
    except InvalidInput as exc:
        return Check(
            "semantic_index",
            "fail",
            exc.message,
            "Install the pinned requirements (make install) or set the "
            "semantic_embeddings_model flag's mode to deterministic",
        )
    in_flight = Intent.objects.filter(status__in=list(ACTIVE))
    total = in_flight.count()
    indexed = (
        Embedding.objects.filter(model=provider.model, intent__in=in_flight)
        .values("intent_id")
        .count()
    )
    detail = f"{provider.model}: {indexed} of {total} in-flight intents indexed"
    other = Embedding.objects.exclude(model=provider.model).filter(intent__in=in_flight).exists()
    if total and not indexed and other:
        return Check("semantic_index", "warn", f"{detail}; vectors of another model only", REINDEX)
    return Check("semantic_index", "pass", detail)
