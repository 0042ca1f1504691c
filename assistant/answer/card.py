"""The document card: questions about a document's own header — who signed it, which body issued it, when, from
when it takes effect, what it is about, what it replaces or amends, what it is based on.

Ingestion reads these facts from the standard header (Nghị định 30/2020/NĐ-CP) into `DocumentMeta`. Here they
answer a question that names the document (by number, or by kind and subject), each fact cited to the passage of
the document's own text that states it. Everything else goes to the extractive answerer; a field the header does
not state is never guessed (the extractive answerer then answers from the text, or refuses).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from assistant.answer.citations import cited_first, markers
from assistant.answer.evidence import mentions_bodies
from assistant.types import Answer, Passage
from assistant.understand.features import question_names
from assistant.understand.parts import question_parts
from assistant.understand.query import Query, query_numbers
from core.docnumbers import describe_key, find_numbers, number_key
from core.index.reader import IndexReader
from core.index.types import Chunk, DocumentMeta
from core.sentences import split_sentences
from core.vntext import content_terms, fold, syllables

# What is asked, read on the folded, lowercased question ("ai ky" for "Ai ký …?"). Order matters: the first
# field that matches is the one answered.
_ASKS: list[tuple[str, re.Pattern[str]]] = [
    (
        "signer",
        re.compile(
            r"\b(ai ky|nguoi ky|do ai ky|ky boi ai|ai la nguoi ky|ai da ky|who signed|signed by)\b"
            r"|\bai (thay mat|ky thay|thua lenh|thua uy quyen)\b(?: \S+){1,6}? ky\b"  # "Ai thay mặt Bộ Chính trị ký …?"
        ),
    ),
    (
        "recipients",
        re.compile(
            r"\b(gui|tra loi)( cho| toi| den)? (ai|nhung ai|co quan nao|doanh nghiep nao|cong ty nao|don vi nao"
            r"|to chuc nao|ca nhan nao|nhung co quan nao|nhung don vi nao|ong nao|ba nao)\b"
            r"|\bkinh gui (ai|co quan nao|nhung ai)|\b(addressed|sent) to (whom|which)|\bto whom\b"
        ),
    ),
    (
        "effective",
        re.compile(
            r"\bhieu luc\b.*\b(ngay nao|khi nao|tu ngay|bao gio|tu luc nao|thoi diem)"
            r"|\bin effect|\beffective|\btakes? effect"
        ),
    ),
    (
        "issuer",
        re.compile(
            # "do cơ quan nào chủ trì" asks who leads a task, not who issued the text: "ban hành" must be said
            r"\b(co quan|don vi|to chuc|cap|ai) nao (da )?ban hanh"
            r"|\bdo (co quan|don vi|to chuc|cap|ai) nao (\w+ )?ban hanh"
            r"|\bdo ai ban hanh|\bai ban hanh|\b(which|what) (body|agency|organi[sz]ation) (issued|adopted)"
            # a Party resolution is adopted by a plenum of a given term: "do hội nghị Trung ương nào", "khóa mấy"
            r"|\bdo (hoi nghi|dai hoi|ky hop)( \S+){0,3} nao\b|\bkhoa (may|nao|bao nhieu)\b"
        ),
    ),
    (
        "date",
        re.compile(
            r"\b(ban hanh|(?<!dang )ky|thong qua)\b(?: \S+){0,6}? (vao )?"
            r"(ngay nao|khi nao|bao gio|thoi gian nao|nam nao)"
            r"|\bngay ban hanh\b|\bngay ky\b|\bwhen was .* (issued|signed|adopted)"
        ),
    ),
    (
        "replaces",
        re.compile(
            r"\b(thay the|bai bo|huy bo)( cho)? (van ban|quy dinh|nghi dinh|thong tu|quyet dinh|nghi quyet|huong dan"
            r"|cac|nhung)?\s*\w* ?nao\b"
        ),
    ),
    ("amends", re.compile(r"\bsua doi,? bo sung\b.*\bnao\b")),
    (
        "proposer",
        re.compile(
            r"\btheo de nghi cua (\w+ ){0,3}(ai|nao)\b"
            r"|\b(ai|co quan nao|bo nao) (da )?(de nghi|trinh) ban hanh\b|\bon (whose|the) (proposal|recommendation)"
        ),
    ),
    ("based_on", re.compile(r"\bcan cu\b.*\b(nao|gi)\b|\bdua tren (nhung|cac)? ?(van ban|co so) nao")),
    (
        # "Văn bản nào của Chính phủ triển khai thực hiện Nghị quyết 57?"
        "implemented_by",
        re.compile(
            # the kind asked right before "nào": "cơ quan nào … thực hiện Nghị quyết" asks who, not which text
            r"\b(van ban|ke hoach|chuong trinh|nghi quyet|quyet dinh|chi thi|de an|huong dan) nao\b"
            r"(?: \S+){0,10}? (trien khai|thuc hien|cu the hoa)\b"
            r"|\bwhich (documents?|plans?|programmes?|programs?) (implement|carry out)"
        ),
    ),
    (
        "number",
        re.compile(
            r"\bso hieu\b|\b(van ban|nghi dinh|nghi quyet|quyet dinh|thong tu|cong van|luat) so may\b"
            r"|^(?:\w+ ){0,3}(van ban|nghi dinh|nghi quyet|quyet dinh|thong tu|cong van|luat|ke hoach|huong dan"
            r"|quy dinh|chi thi|ket luan) nao\b"
        ),
    ),
    (
        "subject",
        re.compile(
            r"\b(la|ve) (van ban|luat|nghi dinh|nghi quyet|quyet dinh|thong tu|cong van|quy dinh|huong dan|ke hoach"
            r"|thong bao|chi thi)? ?gi\b|\bnoi ve (van de |noi dung |viec )?gi\b|\bve viec gi\b|\btrich yeu\b"
            r"|\bquy dinh ve (van de |noi dung )?gi\b|\bwhat is .* about\b|\bve (van de|noi dung|linh vuc|chu de) gi\b"
            # "Quyết định 1147 ban hành quy chế gì?": what a decision issues is its subject
            r"|\bban hanh (quy che|quy dinh|huong dan|danh muc|ke hoach|chuong trinh|de an|dieu le|bo tieu chi)"
            r" (gi|nao)\b"
        ),
    ),
]
# The fields a card answers only for a document named by number or by its own filter: a subject match alone
# is too weak a reason to say who signed what.
_KIND_WORDS = (
    "nghị quyết", "nghị định", "quyết định", "thông tư", "công văn", "luật", "kế hoạch", "quy định", "hướng dẫn",
    "thông báo", "chỉ thị", "kết luận", "chương trình", "báo cáo", "quy chế", "đề án",
)  # fmt: skip
_SUBJECT_COVERAGE = 0.75
# Fields a document named only by kind and subject ("Luật Dữ liệu …") may be asked about.
_BY_SUBJECT = ("number", "date", "effective", "issuer")
_SIGNATURE_PREFIXES = {
    "KT.": "ký thay", "TM.": "thay mặt", "T/M": "thay mặt", "TL.": "thừa lệnh", "TUQ.": "thừa ủy quyền",
}  # fmt: skip
_SIGNATURE_PREFIX = re.compile(r"(?:KT\.|TM\.|T/M|TL\.|TUQ\.)", re.IGNORECASE)
# The signer's own position closes the signature block ("… PHÓ THỦ TƯỚNG", "… CHỦ TỊCH").
_OWN_POSITION = re.compile(
    r"(?:PHÓ\s+)?(?:TỔNG BÍ THƯ|BÍ THƯ|THỦ TƯỚNG|CHỦ TỊCH|BỘ TRƯỞNG|THỨ TRƯỞNG|TỔNG GIÁM ĐỐC|GIÁM ĐỐC|CHỦ NHIỆM"
    r"|TRƯỞNG BAN|TỔNG CỤC TRƯỞNG|CỤC TRƯỞNG|VỤ TRƯỞNG|CHÁNH VĂN PHÒNG|TỔNG THƯ KÝ|VIỆN TRƯỞNG|CHÁNH ÁN)"
    r"(?:\s+THƯỜNG TRỰC)?\s*$",
    re.IGNORECASE,
)
_EFFECT = re.compile(r"hiệu lực", re.IGNORECASE)
_REPLACE = re.compile(r"thay thế|bãi bỏ|hủy bỏ|huỷ bỏ|hết hiệu lực", re.IGNORECASE)
_AMEND = re.compile(r"sửa đổi", re.IGNORECASE)
_BASIS = re.compile(r"^\W*Căn cứ\b", re.IGNORECASE)
# After a kind word, the words that ask for a document of that kind ("kế hoạch số mấy", "văn bản nào")
_ASKING_KIND = r" (?:so )?(?:may|nao|gi)\b"
_PROPOSAL = re.compile(r"^\W*(Theo|Xét) đề nghị\b", re.IGNORECASE)

MakePassage = Callable[[str], Passage]


@dataclass(frozen=True)
class _Fact:
    """One sentence of the answer and the chunk of the document's text that states it."""

    text: str
    chunk: Chunk


def answers_whole(query: Query) -> bool:
    """ "Văn bản nào của Chính phủ và văn bản nào của Đảng đoàn Quốc hội triển khai Nghị quyết 57?" lists the
    documents carrying out one document: its "và" joins who, not two questions."""
    if asked_field(query) != "implemented_by":
        return False
    return all(asked_field(part) in ("implemented_by", "number") for part in question_parts(query))


def asked_field(query: Query) -> str | None:
    """Which header field the question asks for, or None when it asks about the body."""
    folded = fold(query.asked.lower())
    return next((name for name, pattern in _ASKS if pattern.search(folded)), None)


def card_answer(query: Query, passages: list[Passage], index: IndexReader, passage: MakePassage) -> Answer | None:
    """An answer from the header of the document the question names, or None to let the body answer."""
    field = asked_field(query)
    if field is None:
        return None
    query = _own_documents(query)
    named = _named_documents(query, passages, index, by_subject=field in _BY_SUBJECT, field=field)
    subjects = [_whole(index, doc_id) for doc_id in named]
    if not subjects and field != "number":
        subjects = _named_parts(query, index)
    if not subjects and field == "signer" and query.number_keys:
        # Who signed a document stands in its own signature block, which ingestion reads: a text that only cites
        # the document (or reprints it without its signature) cannot say, and a name from it would be a guess.
        names = ", ".join(describe_key(key, written) for key, written in _written_keys(query)[:1])
        text = (
            f"Kho tài liệu không có bản văn bản {names} có phần ký tên (chỉ có văn bản nhắc đến hoặc trích lại nó), "
            "nên không rõ người ký."
        )
        return Answer(answer=text, sources=passages, refused=True, warnings=["header: document not held"])
    if not subjects:
        return None
    if field == "implemented_by":
        return _implemented_by(query, subjects[0], passages, index, passage)
    stated = [(subject, facts) for subject in subjects if (facts := _FACTS[field](subject.meta, subject.chunks))]
    if not stated:
        if field == "signer":
            # A name stands in the signature block, or in a sentence saying who signed this very document ("Thay
            # mặt Bộ Chính trị, Tổng Bí thư Tô Lâm đã ký ban hành Nghị quyết số 57-NQ/TW"); any other name in the
            # body would be a wrong answer.
            said = _signing_sentence(query, passages)
            if said is not None:
                sources, number = cited_first(passages, [said[0]])
                text = f"“{_quoted(said[1])}” [{number[said[0].chunk_id]}]."
                return Answer(answer=text, sources=sources, refused=False)
            text = f"{_reference(subjects[0].meta)} trong kho tài liệu không ghi tên người ký."
            return Answer(answer=text, sources=passages, refused=True, warnings=["header: no signer"])
        return None
    if len({_value(field, subject.meta) for subject, _ in stated}) > 1:
        # Two documents of that number say different things ("Quyết định 80" of two provinces): the question's
        # other words must choose, or the body answers.
        chosen = _best_by_names(query, [subject for subject, _ in stated])
        if chosen is None:
            return None
        facts = stated[chosen][1]
    else:
        facts = stated[0][1]
    return _cited_answer(facts, passages, passage)


def _cited_answer(facts: list[_Fact], passages: list[Passage], passage: MakePassage) -> Answer:
    """The facts said one after another, each cited to its chunk; those chunks numbered first, then the passages."""
    cited = [passage(f.chunk.chunk_id) for f in facts]
    pool = [*cited, *(p for p in passages if p.chunk_id not in {c.chunk_id for c in cited})]
    sources, number = cited_first(pool, cited)
    text = " ".join(f"{f.text.rstrip(' .')} [{number[f.chunk.chunk_id]}]." for f in facts)
    return Answer(answer=text, sources=sources, refused=False)


def _implemented_by(
    query: Query, subject: _Subject, passages: list[Passage], index: IndexReader, passage: MakePassage
) -> Answer | None:
    """The documents of the collection that say they carry out the one named (ingest.relations, "Kế hoạch … triển
    khai thực hiện Nghị quyết số 57-NQ/TW"), of the bodies and kinds the question asks for, each cited to its text
    naming it. None (the body answers) when the collection holds none."""
    wanted = {number_key(subject.meta.number)} if subject.meta.number else set()
    asked = fold(query.asked.lower())
    kinds = {k for k in _KIND_WORDS if re.search(rf"\b{fold(k)}\b{_ASKING_KIND}", asked)}
    edges = [e for e in index.graph.into(subject.meta.doc_id) if e.relation == "implements"]
    # "Văn bản nào của Chính phủ và … của Đảng đoàn Quốc hội …": the issuers the question names choose among them
    issuers = {fold((index.meta(e.source).issuer or "").lower()) for e in edges} - {""}
    issuers_named = {i for i in issuers if re.search(rf"\b{re.escape(i)}\b", asked)}
    facts: list[_Fact] = []
    for edge in edges:
        if number_key(edge.number) not in wanted or edge.source == edge.target:
            continue
        meta = index.meta(edge.source)
        if kinds and meta.kind not in kinds:
            continue
        if issuers_named and fold((meta.issuer or "").lower()) not in issuers_named:
            continue
        chunk = next((c for c in index.documents[edge.source].chunks if edge.number in c.text), None)
        if chunk is not None and all(f.chunk.doc_id != edge.source for f in facts):
            issuer = f" của {meta.issuer}" if meta.issuer else ""
            facts.append(_Fact(f"{_reference(meta)}{issuer} triển khai thực hiện {_reference(subject.meta)}", chunk))
    return _cited_answer(facts, passages, passage) if facts else None


def _own_documents(query: Query) -> Query:
    """One part of a question asking several things names its own document: in "Luật Dữ liệu có hiệu lực từ ngày
    nào, và theo Nghị quyết 03/NQ-CP thì bộ nào chủ trì …?" the first part asks about the law, not the resolution
    the other part names. A part naming no document at all ("…, và ban hành ngày nào?") keeps the question's."""
    if not query.background or not query.number_keys or query_numbers(query.asked):
        return query
    folded = fold(query.asked.lower())
    # "… được triển khai bằng kế hoạch số mấy?" names the kind it asks for, not a document
    if any(re.search(rf"\b{fold(kind)}\b(?!{_ASKING_KIND})", folded) for kind in _KIND_WORDS):
        return replace(query, number_keys=[])
    return query


def card_evidence(answer: Answer | None) -> list[Passage]:
    """The passages a header answer cites, in its order; [] for no header answer or a refusal.

    What a question asks of a named document ("Ai ký Nghị quyết 03?") stands in the chunk the header was read
    from (its signature block, its dateline, its "Căn cứ" lines), wherever retrieval ranked that chunk.
    """
    if answer is None or answer.refused:
        return []
    cited = set(markers(answer.answer))
    return [p for p in answer.sources if p.n in cited]


def _value(field: str, meta: DocumentMeta) -> object:
    """What two copies of a document must agree on to be answered as one ("22/12/2024" and "ngày 22 tháng 12")."""
    value = getattr(meta, field, None)  # the fields are named as DocumentMeta names them ("proposer" is not kept)
    return tuple(value) if isinstance(value, list) else value


def _written_keys(query: Query) -> list[tuple[str, str | None]]:
    """The question's document keys with the number as the user wrote it, when written in full."""
    written = {number_key(n): n for n in find_numbers(query.asked)}
    return [(key, written.get(key)) for key in query.number_keys]


@dataclass(frozen=True)
class _Subject:
    """A document a question names, as the card reads it: its header and the chunks of its own text."""

    meta: DocumentMeta
    chunks: list[Chunk]


def _whole(index: IndexReader, doc_id: str) -> _Subject:
    """A document by its own number: in a file of several documents, its first one."""
    chunks = index.documents[doc_id].chunks
    first = chunks[0].part if chunks else ""
    return _Subject(index.meta(doc_id), [c for c in chunks if c.part == first])


def _named_parts(query: Query, index: IndexReader) -> list[_Subject]:
    """ "Ai ký Kết luận 69-KL/TW?": a document held as one part of a file holding several, with its own header."""
    if not query.number_keys:
        return []
    subjects = []
    for doc_id, i in index.part_owners.get(query.number_keys[0], []):
        meta = index.meta(doc_id)
        title = meta.parts[i] if i < len(meta.parts) else None
        chunks = [c for c in index.documents[doc_id].chunks if c.part == title]
        if chunks:
            subjects.append(_Subject(meta.part_headers[i], chunks))
    return subjects


# --- which document -----------------------------------------------------------------------------------------


def _named_documents(
    query: Query, passages: list[Passage], index: IndexReader, by_subject: bool, field: str = ""
) -> list[str]:
    """The documents the question names by their own number, else (for some fields) by kind and subject."""
    # The first document a question names is its subject ("Ai ký Nghị quyết 71 … thực hiện Nghị quyết 57?").
    owners = list(dict.fromkeys(index.owners.get(query.number_keys[0], []))) if query.number_keys else []
    if field == "number":
        # "Văn bản nào … thực hiện Nghị quyết 57?" asks for another document than the one it names.
        if query.number_keys:
            return []
        found = _named_by_subject(query, passages, index) or _described_by_header(query, passages, index)
        return [found] if found else []
    if owners or query.number_keys or not by_subject:
        return owners  # a number we do not hold as a document's own: the body (or the absent-document rule) answers
    found = _named_by_subject(query, passages, index)
    return [found] if found else []


def _best_by_names(query: Query, subjects: list[_Subject]) -> int | None:
    """Among documents sharing a number ("Quyết định 80" of two provinces), the one the question's names fit."""
    question = set(content_terms(syllables(query.text)))
    scored = []
    for i, subject in enumerate(subjects):
        meta = subject.meta
        about = set(content_terms(syllables(f"{meta.issuer or ''} {meta.title} {' '.join(meta.places[:3])}")))
        scored.append((len(question & about), i))
    scored.sort(reverse=True)
    return scored[0][1] if scored[0][0] > scored[1][0] else None


def _named_by_subject(query: Query, passages: list[Passage], index: IndexReader) -> str | None:
    """ "Luật Dữ liệu có hiệu lực từ ngày nào?": the kind word and (nearly) all of the subject's words."""
    folded = fold(query.text.lower())
    kinds = {k for k in _KIND_WORDS if re.search(rf"\b{fold(k)}\b", folded)}
    if not kinds and not re.search(r"\bvan ban\b", folded):
        return None
    question = set(content_terms(syllables(query.text)))
    asked = fold(query.text.lower())
    for doc_id in dict.fromkeys(p.doc_id for p in passages[:3]):
        meta = index.meta(doc_id)
        if (kinds and meta.kind not in kinds) or not meta.subject or not meta.number:
            continue
        subject = set(content_terms(syllables(meta.subject))) - set(content_terms(syllables(meta.kind)))
        # "… của tỉnh Đồng Nai": the names of the subject tell apart texts that differ only by them.
        names = [fold(name.lower()) for name in question_names(meta.subject)]
        if (
            all(name in asked for name in names)
            and subject
            and len(subject & question) >= _SUBJECT_COVERAGE * len(subject)
        ):
            return doc_id
    return None


# Words of a "which document" question that ask, not describe ("văn bản nào", "số mấy", "bằng").
_ASKING = frozenset("van ban nao so may hieu gi bang la cua duoc co trong ve theo".split())
_DESCRIBED = 0.75
_RARE_SHARE = 0.8  # a term this close to the rarest there is names one addressee ("Công ty Tokokosen")


def _described_by_header(query: Query, passages: list[Passage], index: IndexReader) -> str | None:
    """ "Văn bản nào của Chính phủ quy định về đào tạo, bồi dưỡng công chức năm 2025?", "Cục Hải quan trả lời
    Công ty Tokokosen bằng văn bản số mấy?": a retrieved document whose header says what the question says of it —
    its issuer, kind, year and subject hold (nearly) all the question's words, or its addressee is the rare name
    the question gives."""
    # (a year describes a document; another number does not)
    asked = [t for t in content_terms(syllables(query.asked)) if t not in _ASKING and (not t.isdigit() or len(t) == 4)]
    if not asked:
        return None
    rare = _RARE_SHARE * index.default_idf()
    for doc_id in dict.fromkeys(p.doc_id for p in passages[:3]):
        meta = index.meta(doc_id)
        if not meta.number:
            continue
        header = f"{meta.issuer or ''} {meta.kind} {meta.subject or meta.title} {(meta.date or '')[:4]}"
        described = set(content_terms(syllables(header)))
        addressed = set(content_terms(syllables(" ".join(meta.recipients))))
        if not mentions_bodies(f"{meta.issuer or ''} {meta.title}", query.bodies):
            continue  # "Văn bản nào của Bộ Tài chính …": a letter of another ministry, however like it is
        if len(described & set(asked)) >= _DESCRIBED * len(asked):
            return doc_id
        if any(index.idf.get(t, index.default_idf()) >= rare for t in addressed & set(asked)):
            return doc_id
    return None


# --- the facts ----------------------------------------------------------------------------------------------


def _reference(meta: DocumentMeta) -> str:
    """How the answer names the document: "Công văn số 11306/VPCP-NN"."""
    kind = meta.kind[:1].upper() + meta.kind[1:]
    return f"{kind} số {meta.number}" if meta.number else meta.title


def _signer(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
    if not meta.signer:
        return []
    chunk = _signature_chunk(chunks, meta)
    if chunk is None:
        return []
    role = f", {_position(meta.signer_title)}" if meta.signer_title else ""
    return [_Fact(f"{_reference(meta)} do {meta.signer}{role} ký", chunk)]


def _signature_chunk(chunks: list[Chunk], meta: DocumentMeta) -> Chunk | None:
    """The chunk of the signature block ingestion read: the signer's name under the position it signs with.

    A letter carrying a draft signed by the same person under another post ("PHÓ BÍ THƯ") names them twice; the
    block that says "CHÁNH VĂN PHÒNG" is the letter's own.
    """
    assert meta.signer is not None
    holding = [c for c in chunks if _normal(meta.signer) in _normal(c.text)]
    title = re.sub(r"\s+", " ", meta.signer_title or "").strip()
    own = _OWN_POSITION.search(title)
    position = _normal(own.group(0) if own else title)
    signed = [c for c in holding if position and position in _normal(c.text)]
    found = signed or holding
    return found[-1] if found else None


def _position(title: str) -> str:
    """ "KT. THỦ TƯỚNG PHÓ THỦ TƯỚNG" → "Phó Thủ tướng (ký thay Thủ tướng)", as a sentence reads it."""
    text = re.sub(r"\s+", " ", title).strip()
    own = _OWN_POSITION.search(text)
    if own is None or own.start() == 0:
        return _case(text.strip(" ,"))
    before = text[: own.start()].strip(" ,-–")
    # "TM. CHÍNH PHỦ KT. THỦ TƯỚNG": the signer signs for the last body or person named before the position.
    segments = list(_SIGNATURE_PREFIX.finditer(before))
    if not segments:
        return _case(own.group(0))
    last = segments[-1]
    behalf = before[last.end() :].strip(" ,")
    verb = _SIGNATURE_PREFIXES[last.group(0).upper()]
    return f"{_case(own.group(0))} ({verb} {_case(behalf)})" if behalf else _case(own.group(0))


def _case(position: str) -> str:
    """ "PHÓ THỦ TƯỚNG" → "Phó Thủ tướng", "TỔNG BÍ THƯ" → "Tổng Bí thư", "GIÁM ĐỐC" → "Giám đốc"."""
    words = position.lower().split()
    if not words:
        return ""
    out = [words[0].capitalize()]
    for i, word in enumerate(words[1:], start=1):
        out.append(word.capitalize() if words[i - 1] in ("phó", "tổng", "tổng bí") or word == "bí" else word)
    return " ".join(out)


def _issuer(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
    if not meta.issuer:
        return []
    chunk = _first_holding(chunks, meta.issuer) or (chunks[0] if chunks else None)
    return [_Fact(f"{_reference(meta)} do {meta.issuer} ban hành", chunk)] if chunk else []


def _date(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
    if not meta.date or len(meta.date) < 10:
        return []
    found = _issue_date_literal(chunks, meta)
    if found is None:
        return []
    chunk, literal, context = found
    verb = "được thông qua" if re.search(r"thông qua", context, re.IGNORECASE) else "được ban hành"
    return [_Fact(f"{_reference(meta)} {verb} ngày {literal}", chunk)]


def _effective(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
    effective = meta.effective
    if not effective:
        return []
    found = _sentence(chunks, lambda s: bool(_EFFECT.search(s)) and _mentions_date_or_signing(s, effective))
    if found is None:
        return []
    chunk, sentence = found
    facts = [_Fact(f"Theo {_reference(meta)}: “{_quoted(sentence)}”", chunk)]
    if not _date_literal([chunk], effective, within=sentence):
        # "… có hiệu lực kể từ ngày ký": say which day that is, from the header.
        dated = _date_literal(chunks, effective)
        if dated:
            facts.append(_Fact(f"Văn bản được ký ngày {dated[1]}", dated[0]))
    return facts


def _subject(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
    if not meta.subject or not chunks:
        return []
    # "V/v xin ý kiến …" is read as "về việc xin ý kiến …": the words after it are what the text writes
    written = re.sub(r"(?i)^(về việc|về)\s+", "", meta.subject)
    chunk = _first_holding(chunks, meta.subject[:40]) or _first_holding(chunks, written[:40]) or chunks[0]
    subject = meta.subject.rstrip(" .")
    lead = subject if re.match(r"(?i)(về|v/v)\b", subject) else f"là {meta.title}"
    return [_Fact(f"{_reference(meta)} {lead}", chunk)]


def _number(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
    if not meta.number:
        return []
    chunk = _first_holding(chunks, meta.number)
    return [_Fact(f"Số hiệu của văn bản là {meta.number} ({meta.title})", chunk)] if chunk else []


def _related(
    numbers_of: Callable[[DocumentMeta], list[str]], verb: re.Pattern[str]
) -> Callable[[DocumentMeta, list[Chunk]], list[_Fact]]:
    """Quote the sentences that say which documents it replaces (or amends): one of them and the verb."""

    def facts(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
        wanted = {number_key(n) for n in numbers_of(meta)}
        found: list[_Fact] = []
        seen: set[str] = set()
        for chunk in chunks:
            for sentence in _chunk_sentences(chunk):
                keys = {number_key(n) for n in find_numbers(sentence)} & wanted
                if keys - seen and verb.search(sentence):
                    found.append(_Fact(f"Theo {_reference(meta)}: “{_quoted(sentence)}”", chunk))
                    seen |= keys
        return found[:3]

    return facts


def _based_on(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
    if not meta.based_on:
        return []
    lines = [
        (chunk, line.strip(" ;,.*")) for chunk in chunks[:3] for line in chunk.text.splitlines() if _BASIS.match(line)
    ]
    if not lines:
        return []
    chunk = lines[0][0]
    listed = "; ".join(line.lstrip("-–• ") for c, line in lines if c is chunk)
    return [_Fact(f"{_reference(meta)} được ban hành trên các căn cứ: {listed}", chunk)]


def _proposer(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
    """ "Theo đề nghị của Bộ trưởng Bộ Khoa học và Công nghệ …": on whose proposal the text was issued, a line of
    its preamble."""
    for chunk in chunks[:4]:
        for line in chunk.text.splitlines():
            if _PROPOSAL.match(line):
                said = re.sub(r"^\W*(Theo|Xét)\s+", "", line.strip(" ;,.*"), flags=re.IGNORECASE)
                return [_Fact(f"{_reference(meta)} được ban hành theo {said}", chunk)]
    return []


def _recipients(meta: DocumentMeta, chunks: list[Chunk]) -> list[_Fact]:
    """ "Kính gửi: Công ty TNHH Tokokosen.": to whom a letter is addressed, cited to the line that says it."""
    if not meta.recipients:
        return []
    chunk = _first_holding(chunks, "Kính gửi")
    return [_Fact(f"{_reference(meta)} gửi: {'; '.join(meta.recipients)}", chunk)] if chunk else []


_FACTS: dict[str, Callable[[DocumentMeta, list[Chunk]], list[_Fact]]] = {
    "recipients": _recipients,
    "signer": _signer,
    "issuer": _issuer,
    "date": _date,
    "effective": _effective,
    "subject": _subject,
    "number": _number,
    "replaces": _related(lambda meta: meta.replaces, _REPLACE),
    "amends": _related(lambda meta: meta.amends, _AMEND),
    "based_on": _based_on,
    "proposer": _proposer,
}


# --- finding the words in the text --------------------------------------------------------------------------


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold()


def _first_holding(chunks: list[Chunk], words: str) -> Chunk | None:
    wanted = _normal(words)
    return next((c for c in chunks if wanted in _normal(c.text)), None)


def _date_pattern(iso: str) -> re.Pattern[str]:
    year, month, day = (int(x) for x in iso[:10].split("-"))
    return re.compile(
        rf"(?<!\d)0?{day}\s*tháng\s*0?{month}\s*năm\s*{year}(?!\d)|(?<![\d/.-])0?{day}\s*[/.-]\s*0?{month}\s*[/.-]\s*{year}(?!\d)",
        re.IGNORECASE,
    )


def _date_literal(chunks: list[Chunk], iso: str, within: str | None = None) -> tuple[Chunk, str, str] | None:
    """The chunk that writes a date, the date as written, and the line around it."""
    pattern = _date_pattern(iso)
    for chunk in chunks:
        text = within if within is not None else chunk.text
        m = pattern.search(text)
        if m:
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            return chunk, re.sub(r"\s+", " ", m.group(0)), text[line_start : line_end if line_end >= 0 else None]
    return None


# "Nghị quyết này được Ủy ban Thường vụ Quốc hội … thông qua ngày 16 tháng 6 năm 2025."
_ADOPTED = re.compile(r"\b(?:thông qua|ban hành|ký)\s+(?:vào\s+)?(?:ngày\s*)?$", re.IGNORECASE)
_DATELINE = re.compile(r"\W*[^\W\d][^\d,;.]{1,40},\s*(?:ngày\s*)?", re.IGNORECASE)  # "Hà Nội, ngày " before the date


def _issue_date_literal(chunks: list[Chunk], meta: DocumentMeta) -> tuple[Chunk, str, str] | None:
    """Where the text states the date of issue: its dateline ("Hà Nội, ngày 30 tháng 6 năm 2025"), its adoption
    line ("… thông qua ngày …"), or the date right after its own number ("Nghị định số 170/2025/NĐ-CP ngày …").
    The same date elsewhere (a deadline, a cut-off in a transitional clause) does not say when it was issued."""
    assert meta.date is not None
    pattern = _date_pattern(meta.date)
    own = _normal(meta.number or "")
    for chunk in chunks:
        for m in pattern.finditer(chunk.text):
            line_start = chunk.text.rfind("\n", 0, m.start()) + 1
            line_end = chunk.text.find("\n", m.end())
            before = chunk.text[line_start : m.start()]
            if (
                _DATELINE.fullmatch(before)
                or _ADOPTED.search(before)
                or (own and own in _normal(chunk.text[max(0, m.start() - 60) : m.start()]))
            ):
                line = chunk.text[line_start : line_end if line_end >= 0 else None]
                return chunk, re.sub(r"\s+", " ", m.group(0)), line
    return None


def _mentions_date_or_signing(sentence: str, iso: str) -> bool:
    return bool(_date_pattern(iso).search(sentence)) or bool(re.search(r"ngày ký|ký ban hành|ngày ban hành", sentence))


_SIGNED = re.compile(r"\b(?:đã ký|ký ban hành|ký thay|ký thừa lệnh)\b", re.IGNORECASE)


def _signing_sentence(query: Query, passages: list[Passage]) -> tuple[Passage, str] | None:
    """A sentence of the passages saying who signed the document the question names: a signing verb, a name and
    the document's own number."""
    key = query.number_keys[0]
    for p in passages:
        for line in p.text.splitlines():
            for s, e in split_sentences(line):
                sentence = line[s:e].strip(" *")
                if (
                    _SIGNED.search(sentence)
                    and key in {number_key(n) for n in find_numbers(sentence)}
                    and question_names(sentence)
                ):
                    return p, sentence
    return None


def _chunk_sentences(chunk: Chunk) -> list[str]:
    out = []
    for line in chunk.text.splitlines():
        out += [line[s:e].strip() for s, e in split_sentences(line)]
    return [s for s in out if s]


def _sentence(chunks: list[Chunk], wanted: Callable[[str], bool]) -> tuple[Chunk, str] | None:
    for chunk in chunks:
        for sentence in _chunk_sentences(chunk):
            if wanted(sentence):
                return chunk, sentence
    return None


def _quoted(sentence: str) -> str:
    return re.sub(r"\s+", " ", sentence).strip().rstrip(".;,")
