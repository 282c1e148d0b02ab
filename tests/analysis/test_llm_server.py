"""The local OpenAI-compatible server used by tests, benchmarks and the demo with an LLM."""

from __future__ import annotations

import json

import openai
import pytest

from openai_server import Step, keyword_answer, openai_server

SYSTEM = (
    "Intro\n\nCategories:\n- billing_question: Money.\n- general_inquiry: Else.\n\n"
    "Themes:\n- csv_export_times_out: x\n"
)


def body(user: str) -> dict[str, object]:
    return {
        "model": "m",
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Subject: hi\nCustomer messages:\n{user}"},
        ],
    }


@pytest.mark.parametrize(
    ("user", "category", "theme", "evidence"),
    [
        ("Please refund my invoice. Thanks.", "billing_question", None, "Please refund my invoice."),
        (
            "My CSV export times out. Again.",
            "general_inquiry",
            "csv_export_times_out",
            "My CSV export times out.",
        ),
        # account_issue is not offered by this prompt, so it cannot be answered.
        ("How do I log in?", "general_inquiry", None, "How do I log in?"),
    ],
)
def test_the_default_answer_follows_the_prompt(
    user: str, category: str, theme: str | None, evidence: str
) -> None:
    answer = keyword_answer(body(user))

    assert (answer["category"], answer["theme"], answer["evidence"]) == (category, theme, evidence)
    assert keyword_answer(body(user)) == answer


def test_the_sdk_talks_to_it_and_scripts_run_in_order() -> None:
    with openai_server() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=5)
        assert [model.id for model in client.models.list()] == ["convosift-mock"]

        server.set_script([Step.rate_limit(retry_after=2), Step.error(503)])
        with pytest.raises(openai.RateLimitError) as limited:
            client.chat.completions.create(model="m", messages=body("refund please")["messages"])
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="m", messages=body("refund please")["messages"])
        reply = client.chat.completions.create(
            model="m",
            messages=body("refund please")["messages"],
            response_format={"type": "json_object"},
        )
        client.close()

        assert limited.value.response.headers["retry-after"] == "2"
        assert json.loads(reply.choices[0].message.content or "")["category"] == "billing_question"
        assert reply.usage is not None and reply.usage.prompt_tokens > 0
        assert server.calls == 3
        assert server.requests[2]["response_format"] == {"type": "json_object"}
