"""The semantic grader: a numpy MiniLM encoder plus the lexical rubric grader.

The encoder's math is tested on a tiny model the test builds; the real model's tests
run only where the ``semantic`` extra and the model package are installed.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from interviewprep.bank.schema import ExpectedGrade, OpenQuestion, Question
from interviewprep.domain.rating import Rating
from interviewprep.grading.result import KeyPointStatus

np = pytest.importorskip("numpy")
tokenizers = pytest.importorskip("tokenizers")

from interviewprep.grading.embedding import (  # noqa: E402
    MiniLmEncoder,
    ModelUnavailableError,
    find_model_dir,
    read_safetensors,
)

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "post", "is", "not", "idempotent", "put", "get"]


def _write_safetensors(path: Path, tensors: dict[str, Any]) -> None:
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-minilm")
    hidden, inter, layers, heads = 8, 16, 2, 2
    rng = np.random.default_rng(0)

    def r(*shape: int) -> Any:
        return rng.normal(0, 0.2, size=shape).astype(np.float32)

    tensors = {
        "embeddings.word_embeddings.weight": r(len(WORDS), hidden),
        "embeddings.position_embeddings.weight": r(32, hidden),
        "embeddings.token_type_embeddings.weight": r(2, hidden),
        "embeddings.LayerNorm.weight": np.ones(hidden),
        "embeddings.LayerNorm.bias": np.zeros(hidden),
    }
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for n in ("query", "key", "value"):
            tensors[p + f"attention.self.{n}.weight"] = r(hidden, hidden)
            tensors[p + f"attention.self.{n}.bias"] = r(hidden)
        tensors[p + "attention.output.dense.weight"] = r(hidden, hidden)
        tensors[p + "attention.output.dense.bias"] = r(hidden)
        tensors[p + "attention.output.LayerNorm.weight"] = np.ones(hidden)
        tensors[p + "attention.output.LayerNorm.bias"] = np.zeros(hidden)
        tensors[p + "intermediate.dense.weight"] = r(inter, hidden)
        tensors[p + "intermediate.dense.bias"] = r(inter)
        tensors[p + "output.dense.weight"] = r(hidden, inter)
        tensors[p + "output.dense.bias"] = r(hidden)
        tensors[p + "output.LayerNorm.weight"] = np.ones(hidden)
        tensors[p + "output.LayerNorm.bias"] = np.zeros(hidden)
    _write_safetensors(folder / "model.safetensors", tensors)
    config = {"num_attention_heads": heads, "num_hidden_layers": layers, "layer_norm_eps": 1e-12}
    (folder / "config.json").write_text(json.dumps(config))
    tok = tokenizers.Tokenizer(
        tokenizers.models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]")
    )
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tok.normalizer = tokenizers.normalizers.Lowercase()
    tok.save(str(folder / "tokenizer.json"))
    return folder


def test_safetensors_reader_round_trips(tmp_path: Path) -> None:
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    _write_safetensors(tmp_path / "x.safetensors", {"a": array})
    assert np.array_equal(read_safetensors(tmp_path / "x.safetensors")["a"], array)


def test_tiny_encoder_gives_unit_vectors(tiny_model: Path) -> None:
    encoder = MiniLmEncoder(tiny_model)
    vectors = encoder.encode(["POST is idempotent", "put get", "POST is idempotent", ""])
    assert vectors.shape == (4, 8)
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2], atol=1e-6)  # deterministic
    assert encoder.encode([]).shape == (0, 8)


def test_padding_does_not_change_an_embedding(tiny_model: Path) -> None:
    encoder = MiniLmEncoder(tiny_model)
    alone = encoder.encode(["post is not idempotent"])[0]
    batched = encoder.encode(["post is not idempotent", "get"])[0]
    assert np.allclose(alone, batched, atol=1e-5)


def test_missing_model_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelUnavailableError):
        MiniLmEncoder(tmp_path)
    monkeypatch.setenv("INTERVIEWPREP_EMBEDDING_MODEL_DIR", str(tmp_path))
    assert find_model_dir() == tmp_path


def _real_encoder() -> MiniLmEncoder:
    try:
        from interviewprep.grading.embedding import shared_encoder

        return shared_encoder()
    except ModelUnavailableError:
        pytest.skip("the embedding model is not installed")


def test_real_model_similarity_ranks_paraphrases_first() -> None:
    encoder = _real_encoder()
    a, b, c = encoder.encode(
        [
            "sending the request twice leaves the server in the same state",
            "repeating a call has the same effect as making it once",
            "my cat likes to sleep in the sun",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2


def test_semantic_grader_credits_a_paraphrase(evalq: dict[str, Question]) -> None:
    _real_encoder()
    from interviewprep.grading import grade
    from interviewprep.grading.registry import make_grader

    answer = (
        "Setting up a fresh DB connection means a TCP handshake, maybe TLS, a login, and on "
        "Postgres a new backend process, which is slow to do on every request. A pool keeps a "
        "few connections warm; a request borrows one and hands it back when done."
    )
    semantic = make_grader("semantic").grade(evalq["ev.connection-pool"], answer)
    lexical = grade(evalq["ev.connection-pool"], answer)
    assert semantic.grader == "semantic"
    assert semantic.score is not None
    assert lexical.score is not None
    assert semantic.score >= lexical.score


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("POST is idempotent", ExpectedGrade.FAIL),
        ("idempotent, GET, PUT, DELETE, retries, same state", ExpectedGrade.FAIL),
    ],
)
def test_semantic_grader_keeps_lexical_guards(
    http: dict[str, Question], answer: str, expected: ExpectedGrade
) -> None:
    _real_encoder()
    from interviewprep.grading.registry import make_grader

    result = make_grader("semantic").grade(http["http.idempotent-methods"], answer)
    assert result.band is expected


def _semantic(**settings: Any) -> Any:
    from interviewprep.grading.semantic import SemanticRubricGrader, SemanticSettings

    return SemanticRubricGrader(_real_encoder(), semantic=SemanticSettings(**settings))


def test_a_negated_answer_the_lexical_reading_opposes_gets_no_lift() -> None:
    # the lexical reading opposes "only one thread runs at a time" but gives the key
    # points the benefit of the doubt; the embeddings, blind to "does not", would
    # lift them to a pass
    from interviewprep.bank.loader import builtin_pack_dir, load_bank

    gil = next(q for q in load_bank([builtin_pack_dir()]) if q.id == "lang.python-gil")
    assert isinstance(gil, OpenQuestion)
    answer = (
        "The GIL does not limit threads: several threads run Python bytecode in parallel on "
        "different cores, so CPU-bound code gets faster with threads, and the lock is never "
        "released during I/O."
    )
    assert _semantic().grade(gil, answer).band is not ExpectedGrade.PASS
    # (the subject rule stops it too: its clauses name "GIL" and "CPU", the first
    # content words of other key points, and not "only")
    unguarded = _semantic(opposed_blocks=False, other_subject=False)
    assert unguarded.grade(gil, answer).band is ExpectedGrade.PASS


def test_a_sentence_that_states_a_covered_key_point_lifts_no_other(
    evalq: dict[str, Question],
) -> None:
    # one sentence, the definition (covered lexically); it resembles the other key
    # points ("rollback", "isolation level") but says neither
    question = evalq["ev.dirty-read"]
    assert isinstance(question, OpenQuestion)
    answer = "It's when you read data that another transaction has not committed yet."
    graded = _semantic().grade(question, answer)
    assert graded.rating is not None
    assert graded.rating < Rating.EASY
    assert [k.status for k in graded.key_points].count(KeyPointStatus.COVERED) == 1
    assert _semantic(spent=False).grade(question, answer).rating is Rating.EASY


def test_a_segment_lifts_only_the_key_point_it_is_closest_to(
    evalq: dict[str, Question],
) -> None:
    # "out of date for a while" is the stale-reads key point; its similarity to
    # "replicas converge" (0.57) is far below its similarity to "stale" (0.90)
    question = evalq["ev.eventual-consistency"]
    assert isinstance(question, OpenQuestion)
    answer = "Replicas can be out of date for a while after a write."
    rules_off = {"spent": False, "opposed_blocks": False}
    assert _semantic(**rules_off).grade(question, answer).band is ExpectedGrade.PARTIAL
    lifted = _semantic(own_margin=None, **rules_off).grade(question, answer)
    assert lifted.band is ExpectedGrade.PASS


def test_a_segment_about_another_key_points_subject_lifts_nothing() -> None:
    # exchanged roles: "a majority write ... rolled back" resembles "a w 1 write can
    # be rolled back" (and "w 1 is the safer setting" resembles "majority is safer"),
    # but each sentence names the other key point's subject, not this one's
    from interviewprep.bank.loader import load_pack

    root = Path(__file__).resolve().parents[3]
    pack = load_pack(root / "questions" / "db-engines.yaml")
    question = next(q for q in pack.questions if q.id == "db.mongo-write-concern")
    assert isinstance(question, OpenQuestion)
    answer = (
        "With w majority the primary acknowledges as soon as it has applied the write, "
        "while w 1 waits until one secondary also has it. During a failover a majority "
        "write is the one that can be rolled back, and w 1 writes always survive the "
        "election, so w 1 is the safer setting and it is also slower."
    )
    graded = _semantic().grade(question, answer)
    assert [k.status for k in graded.key_points].count(KeyPointStatus.COVERED) == 2
    swapped = _semantic(other_subject=False).grade(question, answer)
    assert [k.status for k in swapped.key_points].count(KeyPointStatus.COVERED) == 4
    assert swapped.score is not None
    assert graded.score is not None
    assert graded.score < swapped.score
