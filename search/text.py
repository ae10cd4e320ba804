"""Chinese text for search: normalisation, tokenization (jieba with a legal dictionary
plus character bigrams), salient terms, and article references (delegated to
``casebank.references``).

The same function tokenizes documents at index time and queries at search time, in
every engine: the Elasticsearch backend indexes these tokens with a whitespace analyzer,
so no Chinese analyzer plugin is needed.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, Final

logger = logging.getLogger(__name__)

# Law abbreviations and legal terms jieba splits wrongly without help. Charge names are
# added from the casebank's Charge table when it exists (see ``legal_dictionary``).
LEGAL_TERMS = [
    "刑法",
    "刑事诉讼法",
    "刑诉法",
    "治安管理处罚法",
    "治安法",
    "行政处罚法",
    "行政强制法",
    "人民警察法",
    "反电信网络诈骗法",
    "刑法修正案",
    "司法解释",
    "立案追诉标准",
    "罪名",
    "构成要件",
    "犯罪构成",
    "犯罪客体",
    "犯罪主体",
    "主观方面",
    "客观方面",
    "犯罪嫌疑人",
    "被告人",
    "被害人",
    "违法嫌疑人",
    "同案犯",
    "共同犯罪",
    "主犯",
    "从犯",
    "胁从犯",
    "教唆犯",
    "累犯",
    "自首",
    "立功",
    "坦白",
    "非法占有",
    "非法占有为目的",
    "数额较大",
    "数额巨大",
    "数额特别巨大",
    "情节严重",
    "情节特别严重",
    "情节较轻",
    "入户盗窃",
    "多次盗窃",
    "携带凶器盗窃",
    "扒窃",
    "秘密窃取",
    "当场使用暴力",
    "暴力威胁",
    "虚构事实",
    "隐瞒真相",
    "轻伤",
    "轻伤一级",
    "轻伤二级",
    "重伤",
    "轻微伤",
    "伤残等级",
    "法医鉴定",
    "伤情鉴定",
    "司法鉴定",
    "鉴定意见",
    "醉酒驾驶",
    "醉驾",
    "酒后驾驶",
    "血液酒精含量",
    "乙醇含量",
    "机动车",
    "交通肇事",
    "逃逸",
    "肇事逃逸",
    "故意伤害",
    "故意杀人",
    "过失致人死亡",
    "寻衅滋事",
    "聚众斗殴",
    "抢劫",
    "抢夺",
    "盗窃",
    "诈骗",
    "敲诈勒索",
    "职务侵占",
    "电信网络诈骗",
    "网络诈骗",
    "帮助信息网络犯罪活动",
    "掩饰隐瞒犯罪所得",
    "非法拘禁",
    "非法侵入住宅",
    "毒品",
    "甲基苯丙胺",
    "海洛因",
    "贩卖毒品",
    "容留他人吸毒",
    "非法持有毒品",
    "刑事拘留",
    "行政拘留",
    "取保候审",
    "监视居住",
    "逮捕",
    "拘传",
    "传唤",
    "讯问",
    "询问",
    "辨认",
    "勘验",
    "检查",
    "搜查",
    "扣押",
    "冻结",
    "退赔",
    "退赃",
    "赔偿",
    "谅解",
    "谅解书",
    "刑事和解",
    "认罪认罚",
    "初查",
    "立案",
    "侦查",
    "移送审查起诉",
    "公安机关",
    "派出所",
    "民警",
    "辅警",
    "执法记录仪",
    "监控录像",
    "视频监控",
    "调取证据",
    "电子数据",
    "书证",
    "物证",
    "证人证言",
]

STOPWORDS = frozenset(
    [
        "的",
        "了",
        "在",
        "是",
        "和",
        "与",
        "及",
        "或",
        "等",
        "被",
        "将",
        "把",
        "其",
        "对",
        "于",
        "向",
        "从",
        "以",
        "为",
        "之",
        "而",
        "并",
        "又",
        "也",
        "就",
        "都",
        "后",
        "时",
        "中",
        "上",
        "下",
        "某",
        "该",
        "此",
        "这",
        "那",
        "一",
        "个",
        "有",
        "无",
        "不",
        "到",
        "由",
        "因",
        "经",
        "至",
        "给",
        "让",
        "使",
        "所",
        "已",
        "曾",
        "还",
        "再",
        "即",
        "则",
        "但",
        "且",
        "如",
        "若",
        "着",
        "过",
        "们",
        "您",
        "你",
        "我",
        "他",
        "她",
        "它",
    ]
)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD_OK = re.compile(f"[{_CJK}a-z0-9]")
_SPACES = re.compile(r"\s+")
# Every pair of adjacent Chinese characters (overlapping).
_BIGRAM = re.compile(f"(?=([{_CJK}]{{2}}))")

_lock = threading.Lock()
_tokenizer: Segmenter | None = None
_dictionary_size = 0

SEGMENTERS = ("rjieba", "jieba")


class Segmenter:
    """Word segmentation with the legal dictionary: jieba's dictionary and algorithm
    (maximum-probability path over the word DAG, no HMM), run by ``rjieba`` (jieba-rs,
    7-15× faster) when it is installed, else by the Python ``jieba``. Both give the same
    words on >99 % of texts; ``name`` is recorded in each index segment."""

    def __init__(self, name: str, words: Iterable[str]) -> None:
        self.name = name
        self._cut: Callable[[str], list[str]]
        if name == "rjieba":
            import rjieba

            engine = rjieba.Jieba()
            for word in words:
                engine.add_word(word, 20000, None)
            self._cut = lambda text: engine.cut(text, hmm=False)
        else:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            engine = jieba.Tokenizer()
            engine.initialize()
            for word in words:
                engine.add_word(word, freq=20000)
            # No HMM: it finds unseen words (names) at three times the cost; the
            # bigrams added by tokenize() already match those.
            self._cut = lambda text: engine.lcut(text, HMM=False)

    def cut(self, text: str) -> list[str]:
        return self._cut(text)


def segmenter_name() -> str:
    """Return the segmenter to use: ``SEARCH_SEGMENTER`` ("rjieba", "jieba"), or
    rjieba when it is installed."""
    from django.conf import settings

    wanted = getattr(settings, "SEARCH_SEGMENTER", "") or ""
    if wanted:
        if wanted not in SEGMENTERS:
            raise ValueError(
                f"SEARCH_SEGMENTER must be one of {', '.join(SEGMENTERS)}, not {wanted!r}."
            )
        return str(wanted)
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return "jieba"
    return "rjieba"


def normalize(text: str) -> str:
    """Return ``text`` with full-width forms folded (NFKC), lower case, spaces collapsed.

    Traditional characters are kept as they are.
    """
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _SPACES.sub(" ", text).strip()


def legal_dictionary() -> list[str]:
    """Return the user dictionary: legal terms plus the casebank's charge names."""
    words = list(LEGAL_TERMS)
    try:
        from casebank.models import Charge

        for name in Charge.objects.values_list("name", flat=True):
            if name:
                words.append(name)
                if name.endswith("罪") and len(name) > 2:
                    words.append(name[:-1])
    except Exception:
        logger.debug(
            "charge names unavailable for the search dictionary", exc_info=True
        )
    return words


def _get_tokenizer() -> Segmenter:
    global _tokenizer, _dictionary_size
    tokenizer = _tokenizer
    if tokenizer is None:
        with _lock:
            tokenizer = _tokenizer
            if tokenizer is None:
                words = legal_dictionary()
                tokenizer = Segmenter(segmenter_name(), words)
                _dictionary_size = len(words)
                _tokenizer = tokenizer
    return tokenizer


def current_segmenter() -> str:
    """Return the name of the segmenter this process tokenizes with."""
    return _get_tokenizer().name


def reset_tokenizer() -> None:
    """Forget the tokenizer so the next call reloads the dictionary (after charges change)."""
    global _tokenizer
    with _lock:
        _tokenizer = None
        _words.cache_clear()


def words(text: str) -> list[str]:
    """Return the jieba words of ``text`` (normalised), stopwords and punctuation removed."""
    return list(_words(normalize(text)))


@lru_cache(maxsize=512)
def _words(text: str) -> tuple[str, ...]:
    # Cached: a query is tokenized for ranking and again for highlighting.
    return tuple(_segment(text))


def _segment(text: str) -> list[str]:
    """Return the words of normalised ``text``, stopwords and punctuation removed."""
    if not text:
        return []
    kept = _KEPT
    out: list[str] = []
    for word in _get_tokenizer().cut(text):
        form = kept.get(word, _UNSEEN)
        if form is _UNSEEN:
            form = _keep(word)
        if form is not None:
            out.append(form)
    return out


class _Sentinel(enum.Enum):
    UNSEEN = enum.auto()


# Not in _KEPT yet (None there means "seen, dropped").
_UNSEEN: Final = _Sentinel.UNSEEN
# Raw segment → the word kept for it (or None): words repeat, the checks need not.
_KEPT: dict[str, str | None] = {}
_KEPT_MAX = 500_000


def _keep(word: str) -> str | None:
    stripped = word.strip()
    form = (
        stripped
        if stripped and stripped not in STOPWORDS and _WORD_OK.search(stripped)
        else None
    )
    if len(_KEPT) < _KEPT_MAX:
        _KEPT[word] = form
    return form


def _bigrams(normalized: str) -> list[str]:
    return _BIGRAM.findall(normalized)


def bigrams(text: str) -> list[str]:
    """Return the character bigrams of every run of Chinese characters in ``text``."""
    return _bigrams(normalize(text))


def tokenize(text: str) -> list[str]:
    """Return the search tokens of ``text``: jieba words, then character bigrams of the
    Chinese runs that are not already words (bigrams recover words jieba cut
    differently in the query and the document)."""
    normalized = normalize(text)
    tokens = list(_words(normalized))
    seen = set(tokens)
    tokens.extend(b for b in _bigrams(normalized) if b not in seen)
    return tokens


def required_words(text: str) -> list[str]:
    """Return the words of a query a document must hold one of (two characters or more):
    its bigrams add to a match but never make one, so 电动车 does not match 机动车 through
    their shared 动车. Engines drop the requirement when no document holds any of them
    (a word jieba cut differently still finds its characters)."""
    return list(dict.fromkeys(w for w in _words(normalize(text)) if len(w) >= 2))


def tokenize_fields(title: str, body: str) -> tuple[list[str], list[str]]:
    """Return the tokens of a document's title and of its body, each text normalised
    and segmented once (not cached: documents are tokenized once).

    Equal to ``tokenize(title)`` and ``tokenize(body)``."""
    out = []
    for text in (title, body):
        normalized = normalize(text)
        tokens = _segment(normalized)
        seen = set(tokens)
        tokens.extend(b for b in _bigrams(normalized) if b not in seen)
        out.append(tokens)
    return out[0], out[1]


def tokenize_document(title: str, body: str) -> list[str]:
    """Return the BM25 tokens of a document: its title twice (a title word counts
    double), then its body; each text is segmented once.

    The same tokens as ``tokenize(f"{title}\\n{title}\\n{body}")``, up to order."""
    normalized_title, normalized_body = normalize(title), normalize(body)
    title_words = _segment(normalized_title)
    body_words = _segment(normalized_body)
    seen = set(title_words) | set(body_words)
    title_grams = [b for b in _bigrams(normalized_title) if b not in seen]
    body_grams = [b for b in _bigrams(normalized_body) if b not in seen]
    return [
        *title_words,
        *title_words,
        *body_words,
        *title_grams,
        *title_grams,
        *body_grams,
    ]


def salient_terms(text: str, *, limit: int | None = None) -> list[str]:
    """Return the distinct content words of ``text`` (two characters or more, or a
    number), in order of first appearance."""
    out: list[str] = []
    seen: set[str] = set()
    for word in words(text):
        if word in seen:
            continue
        if len(word) >= 2 or word.isdigit():
            seen.add(word)
            out.append(word)
    return out[:limit] if limit else out


def highlight_terms(query: str) -> list[str]:
    """Return the strings to mark in a snippet for ``query``: its words and bigrams,
    longest first."""
    terms = {t for t in words(query) if len(t) >= 2 or not _CJK_CHAR.search(t)}
    terms.update(bigrams(query))
    return sorted(terms, key=lambda t: (-len(t), t))


def parse_references(text: str) -> list[Any]:
    """Return the article references in ``text`` (``casebank.references``), or []."""
    try:
        from casebank.references import parse_references as parse
    except ImportError:
        return []
    return list(parse(text))


def resolve_reference(text: str, on_date: Any = None) -> Any:
    """Return the casebank Article ``text`` names exactly, or None."""
    try:
        from casebank.references import resolve_reference as resolve
    except ImportError:
        return None
    try:
        return resolve(text, on_date=on_date)
    except (ValueError, LookupError):
        return None


def join_tokens(tokens: Iterable[str]) -> str:
    """Return tokens as one whitespace-separated string (for whitespace analyzers)."""
    return " ".join(tokens)
