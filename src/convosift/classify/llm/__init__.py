"""The OpenAI-compatible LLM backend: one call per conversation for category, theme and evidence."""

from convosift.classify.llm.analyzer import LLMAnalyzer, backoff_delay, build_llm_analyzer, estimate_cost
from convosift.classify.llm.client import ChatClient, RejectedCallError, RetriableCallError, translate_error
from convosift.classify.llm.prompt import Prompt, build_prompt
from convosift.classify.llm.schema import InvalidAnswerError, LLMAnswer, parse_answer

__all__ = [
    "ChatClient",
    "InvalidAnswerError",
    "LLMAnalyzer",
    "LLMAnswer",
    "Prompt",
    "RejectedCallError",
    "RetriableCallError",
    "backoff_delay",
    "build_llm_analyzer",
    "build_prompt",
    "estimate_cost",
    "parse_answer",
    "translate_error",
]
