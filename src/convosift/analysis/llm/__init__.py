"""The LLM analyzer: one call per conversation for category, theme and evidence."""

from convosift.analysis.llm.analyzer import LLMAnalyzer, build_llm_analyzer, estimate_cost
from convosift.analysis.llm.prompt import Prompt, build_prompt
from convosift.analysis.llm.schema import LLMAnswer, parse_answer

__all__ = [
    "LLMAnalyzer",
    "LLMAnswer",
    "Prompt",
    "build_llm_analyzer",
    "build_prompt",
    "estimate_cost",
    "parse_answer",
]
