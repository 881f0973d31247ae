"""The threshold policy, as pure functions: no database, no files beyond the fixture routes."""

from dataclasses import dataclass, field
from pathlib import Path

from triage.routing import policy, rules

ROUTES = rules.load_routes(Path(__file__).parent / "labels")


@dataclass(frozen=True)
class Pred:
    category: str
    confidence: float
    threshold: float | None
    top: list[tuple[str, float]] = field(default_factory=list)
    model_version: str = "m-2026-11-20"


@dataclass(frozen=True)
class Answer:
    category: str
    confidence: float
    template_id: str | None = None
    slots: dict[str, str] = field(default_factory=dict)
    rationale: str = "mentions a missing deposit batch"


def test_confident_classifier_routes_automatically() -> None:
    d = policy.decide_from_classifier(Pred("settlement_delay", 0.91, 0.83), False, ROUTES)
    assert (d.route, d.stage, d.team, d.priority) == ("auto", "classifier", "settlements", "high")
    assert d.reasons["classifier"]["threshold"] == 0.83
    assert d.model_version == "m-2026-11-20"


def test_unsure_classifier_asks_llm_when_available() -> None:
    d = policy.decide_from_classifier(Pred("fraud_risk", 0.5, 0.83), True, ROUTES)
    assert d.route == "llm_pending" and d.team == "risk"
    assert "why_review" not in d.reasons


def test_unsure_classifier_without_llm_goes_to_the_likely_teams_review() -> None:
    d = policy.decide_from_classifier(Pred("settlement_delay", 0.6, 0.83), False, ROUTES)
    assert d.route == "review" and d.team == "settlements"
    assert d.reasons["why_review"] == "below threshold 0.83 and LLM fallback off"


def test_category_without_threshold_never_auto_routes() -> None:
    d = policy.decide_from_classifier(Pred("fraud_risk", 0.99, None), False, ROUTES)
    assert d.route == "review"
    assert "never auto-routes" in d.reasons["why_review"]


def test_confident_llm_routes_with_its_template_and_slots() -> None:
    answer = Answer("settlement_delay", 0.9, "settlement_delay_fixture", {"batch_id": "B-1"})
    d = policy.decide_from_llm(Pred("fraud_risk", 0.4, 0.83), answer, None, ROUTES, 0.8)
    assert (d.route, d.stage, d.category) == ("auto_llm", "llm", "settlement_delay")
    assert d.team == "settlements"
    assert d.template_id == "settlement_delay_fixture" and d.slots == {"batch_id": "B-1"}
    assert d.reasons["llm"]["confidence"] == 0.9
    assert d.reasons["classifier"]["category"] == "fraud_risk"


def test_unsure_llm_goes_to_review_in_the_llm_teams_queue() -> None:
    answer = Answer("fraud_risk", 0.55)
    d = policy.decide_from_llm(Pred("settlement_delay", 0.4, 0.83), answer, None, ROUTES, 0.8)
    assert d.route == "review" and d.team == "risk"
    assert d.reasons["why_review"] == "LLM confidence 0.55 below threshold 0.80"


def test_llm_category_outside_taxonomy_is_not_trusted() -> None:
    answer = Answer("crypto_payouts", 0.99)
    d = policy.decide_from_llm(Pred("settlement_delay", 0.4, 0.83), answer, None, ROUTES, 0.8)
    assert d.route == "review" and d.team == "settlements"
    assert "not in the taxonomy" in d.reasons["why_review"]


def test_no_llm_answer_keeps_the_reason() -> None:
    d = policy.decide_from_llm(
        Pred("settlement_delay", 0.4, 0.83), None, "team budget exhausted", ROUTES, 0.8
    )
    assert d.route == "review" and d.reasons["why_review"] == "team budget exhausted"
    assert d.category == "settlement_delay" and d.threshold == 0.83


def test_without_a_model_everything_goes_to_the_default_review_queue() -> None:
    d = policy.review_without_model(ROUTES)
    assert (d.route, d.team, d.category) == ("review", "triage_desk", None)
    assert "no active model" in d.reasons["why_review"]


def test_unclear_ticket_goes_to_the_default_review_queue_never_urgent() -> None:
    # "hi / can someone look at my account" once went to fraud_risk at 91%, Urgent.
    unclear = Pred("unclear", 0.91, None, [("unclear", 0.91), ("fraud_risk", 0.05)])
    for llm_available in (True, False):
        d = policy.decide_from_classifier(unclear, llm_available, ROUTES)
        assert (d.route, d.stage, d.category) == ("review", "classifier", "unclear")
        assert (d.team, d.priority) == (ROUTES.default.team, ROUTES.default.priority)
        assert d.priority != "urgent"
        assert d.reasons["why_review"].startswith("unclear:")
        assert d.reasons["classifier"]["top"][1] == ["fraud_risk", 0.05]


def test_unsure_ticket_that_may_be_unclear_is_unclear() -> None:
    top = [("fraud_risk", 0.49), ("unclear", 0.31), ("payment_declines", 0.08)]
    d = policy.decide_from_classifier(Pred("fraud_risk", 0.49, 0.83, top), True, ROUTES)
    assert (d.route, d.category, d.priority) == ("review", "unclear", ROUTES.default.priority)
    assert d.reasons["why_review"].startswith("unclear:")
    # Confident, or "unclear" only a distant runner-up: the category's own route stands.
    confident = Pred("fraud_risk", 0.9, 0.83, [("fraud_risk", 0.9), ("unclear", 0.1)])
    assert policy.decide_from_classifier(confident, False, ROUTES).route == "auto"
    distant = Pred("fraud_risk", 0.6, 0.83, [("fraud_risk", 0.6), ("unclear", 0.2)])
    decision = policy.decide_from_classifier(distant, False, ROUTES)
    assert (decision.category, decision.team) == ("fraud_risk", "risk")
