"""The local OpenAI-compatible server used by tests, benchmarks and the demo with an LLM."""

from __future__ import annotations

import json
import threading

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


def test_over_its_concurrency_limit_it_answers_429_with_retry_after() -> None:
    with openai_server(latency=0.3, max_concurrent=2) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=5)
        outcomes: list[str] = []

        def call() -> None:
            try:
                client.chat.completions.create(model="m", messages=body("refund please")["messages"])
            except openai.RateLimitError as exc:
                outcomes.append(f"429 after {exc.response.headers['retry-after-ms']} ms")
            else:
                outcomes.append("ok")

        threads = [threading.Thread(target=call) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        call()  # the earlier ones are done: a slot is free again
        client.close()

        # A slow machine may let one finish before the last starts; never more than two at once.
        refused = [outcome for outcome in outcomes if outcome != "ok"]
        assert outcomes.count("ok") >= 3 and outcomes[-1] == "ok"
        assert set(refused) <= {"429 after 300 ms"}
        assert server.max_in_flight <= 2
        assert server.rate_limited == len(refused) == server.calls - outcomes.count("ok")


def test_over_its_rate_limit_it_answers_429_until_the_window_ends() -> None:
    with openai_server(rate_limit=3, rate_window=60) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=5)
        for _ in range(3):
            client.chat.completions.create(model="m", messages=body("refund please")["messages"])
        with pytest.raises(openai.RateLimitError) as limited:
            client.chat.completions.create(model="m", messages=body("refund please")["messages"])
        client.close()

    assert 0 < float(limited.value.response.headers["retry-after-ms"]) <= 60_000
    assert server.rate_limited == 1 and server.calls == 4
