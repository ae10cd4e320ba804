"""Query focusing: keep the sentences of a long case description that carry its facts.

A judgment or a police report opens with the court and the prosecutor, dates and procedure
(传唤, 到案, 取保候审, 认罪认罚 ...). Those words are shared by every case, so they drown the
few that tell one case from another: the act, the means, the amount, the injury, the people.
:func:`focus_query` drops the boilerplate and keeps what a legal officer would underline,
in the original order, up to a length cap. ``bench/search_quality.py`` measures its effect.
"""

from __future__ import annotations

import re

DEFAULT_MAX_CHARS = 320

# Openings that carry no facts: "XX市人民检察院指控，" "经审理查明：" and the like.
_PREFIXES = re.compile(
    r"^(?:[^，。；：]{0,40}?(?:人民检察院|检察院|公诉机关)(?:以)?(?:起诉书|起诉)?指控(?:称)?[：:，,]?"
    r"|经(?:审理|法庭审理|本院审理)?查明[：:，,]?"
    r"|(?:原告|公诉机关|检察机关)[^，。]{0,20}(?:诉称|认为)[：:，,]?"
    r"|另查明[：:，,]?|综上[：:，,]?)"
)
_DATES = re.compile(
    r"(?:(?:\d{2,4}|[一二〇○零]{4})年)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})日"
    r"(?:(?:凌晨|早上|上午|中午|下午|傍晚|晚上|夜间|晚)?\d{1,2}(?:时|点)(?:\d{1,2}分)?(?:许|左右)?)?"
    r"|\d{2,4}年\d{1,2}月(?:份|初|中旬|底|下旬|上旬)?"
    r"|(?:凌晨|早上|上午|中午|下午|傍晚|晚上|夜间)?\d{1,2}(?:时|点)(?:\d{1,2}分)?许"
)
# Anonymised names (马某某, 黄某1, 江某) and licence plates: every case has them, none tells
# one case from another; the roles (被告人, 被害人) stay.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘"
    "祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟"
    "艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞"
    "姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_NAMES = re.compile(f"[{_SURNAMES}]某[某甲乙丙丁]?\\d*")
_PLATES = re.compile(r"[\u4e00-\u9fa5][A-Z][A-Z0-9]{4,6}号?")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")

# Words of facts: acts, means, objects, amounts, harm, relationships, places of crime.
FACT_WORDS = (
    "盗窃",
    "窃取",
    "偷",
    "扒窃",
    "入户",
    "抢劫",
    "抢夺",
    "抢走",
    "劫",
    "诈骗",
    "骗取",
    "骗",
    "冒充",
    "虚构",
    "隐瞒真相",
    "敲诈",
    "勒索",
    "殴打",
    "打伤",
    "拳",
    "脚踢",
    "踢",
    "砍",
    "刺",
    "捅",
    "持刀",
    "刀",
    "棍",
    "枪",
    "弹药",
    "爆炸",
    "放火",
    "纵火",
    "烧",
    "杀",
    "掐",
    "勒",
    "伤害",
    "轻伤",
    "重伤",
    "轻微伤",
    "死亡",
    "致死",
    "骨折",
    "伤情",
    "损伤",
    "强奸",
    "猥亵",
    "卖淫",
    "嫖娼",
    "淫秽",
    "赌",
    "毒品",
    "甲基苯丙胺",
    "冰毒",
    "海洛因",
    "麻古",
    "氯胺酮",
    "大麻",
    "吸食",
    "贩卖",
    "贩毒",
    "运输",
    "走私",
    "制造",
    "种植",
    "罂粟",
    "容留",
    "驾驶",
    "醉酒",
    "酒后",
    "饮酒",
    "乙醇",
    "血液",
    "机动车",
    "轿车",
    "摩托车",
    "货车",
    "车辆",
    "撞",
    "肇事",
    "逃逸",
    "交通事故",
    "元",
    "万元",
    "价值",
    "数额",
    "金额",
    "现金",
    "手机",
    "财物",
    "钱",
    "借款",
    "借",
    "欠",
    "贷款",
    "转账",
    "汇款",
    "支付宝",
    "微信",
    "qq",
    "网络",
    "网上",
    "网站",
    "电话",
    "短信",
    "银行卡",
    "信用卡",
    "发票",
    "税款",
    "账户",
    "冒用",
    "伪造",
    "变造",
    "假",
    "受贿",
    "贿赂",
    "行贿",
    "贪污",
    "挪用",
    "侵占",
    "滥用职权",
    "玩忽职守",
    "职务",
    "妻",
    "夫",
    "丈夫",
    "儿子",
    "女儿",
    "父亲",
    "母亲",
    "朋友",
    "同事",
    "邻居",
    "男友",
    "女友",
    "亲属",
    "被害人",
    "受害人",
    "纠纷",
    "争执",
    "口角",
    "报复",
    "寻衅",
    "滋事",
    "聚众",
    "斗殴",
    "非法",
    "拘禁",
    "绑架",
    "拐卖",
    "收买",
    "组织",
    "强迫",
    "威胁",
    "胁迫",
    "暴力",
    "辱骂",
    "砸",
    "毁坏",
    "损毁",
    "狩猎",
    "捕捞",
    "猎捕",
    "采伐",
    "砍伐",
    "林木",
    "野生",
    "矿",
    "污染",
    "排放",
    "食品",
    "药品",
    "有毒",
    "有害",
    "假冒",
    "商标",
    "销售",
    "生产",
    "传销",
    "集资",
    "吸收",
    "存款",
    "套现",
    "洗钱",
    "窝藏",
    "包庇",
    "掩饰",
    "隐瞒",
    "收购",
    "妨害",
    "阻碍",
    "袭警",
    "冲撞",
    "拉扯",
    "执行公务",
    "拒不",
    "偷越",
    "出售",
    "购买",
    "持有",
    "携带",
    "藏",
    "翻",
    "撬",
    "砸开",
    "潜入",
    "尾随",
    "逼",
    "克",
    "吨",
    "立方米",
    "株",
    "只",
    "头",
    "盗",
    "剪",
    "锁",
    "车",
    "拿走",
    "取走",
    "骑走",
    "开走",
    "搬走",
)
# Words of boilerplate: courts, procedure, evidence lists, sentencing pleas.
BOILERPLATE_WORDS = (
    "人民法院",
    "人民检察院",
    "检察院",
    "公诉机关",
    "起诉书",
    "指控",
    "诉讼",
    "审理",
    "开庭",
    "庭审",
    "传唤",
    "到案",
    "归案",
    "抓获",
    "投案",
    "自首",
    "坦白",
    "如实供述",
    "供述",
    "认罪",
    "认罚",
    "悔罪",
    "取保候审",
    "监视居住",
    "刑事拘留",
    "逮捕",
    "羁押",
    "立案",
    "侦查",
    "移送",
    "审查起诉",
    "提起公诉",
    "提请",
    "判处",
    "量刑",
    "建议",
    "适用",
    "依照",
    "依法",
    "之规定",
    "证据",
    "证人证言",
    "书证",
    "物证",
    "笔录",
    "鉴定意见",
    "视听资料",
    "辨认",
    "质证",
    "足以认定",
    "上述事实",
    "事实清楚",
    "证据确实",
    "应当以",
    "追究",
    "刑事责任",
    "谅解",
    "退赔",
    "退赃",
    "前科",
    "累犯",
    "另案处理",
    "另案",
    "户籍",
    "身份证明",
    "情况说明",
    "抓获经过",
    "接受讯问",
    "讯问",
    "被告人的供述",
    "辩护",
    "本院",
    "请求",
    "依法判处",
    "犯罪事实",
    "予以确认",
    "予以证实",
    "证实",
    "证明",
    "鉴定书",
    "鉴定结论",
    "清单",
    "可以从轻",
    "从轻",
    "减轻",
    "判决",
    "裁定",
    "原判",
)
# Words that make a sentence about facts even when it also names procedure ("经鉴定，构成轻伤二级").
STRONG_FACT_WORDS = (
    "轻伤",
    "重伤",
    "轻微伤",
    "死亡",
    "乙醇含量",
    "mg/100ml",
    "毫克/100毫升",
    "价值",
    "克",
    "万元",
    "被害人",
)


def split_sentences(text: str) -> list[str]:
    """Split ``text`` after 。！？； and newlines, dropping empty pieces."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _count(sentence: str, words: tuple[str, ...]) -> int:
    return sum(1 for word in words if word in sentence)


def sentence_score(sentence: str) -> float:
    """Return how much ``sentence`` is about facts (> 0) rather than boilerplate (≤ 0)."""
    lowered = _PREFIXES.sub("", sentence).lower()
    facts = _count(lowered, FACT_WORDS) + 2 * _count(lowered, STRONG_FACT_WORDS)
    boiler = _count(lowered, BOILERPLATE_WORDS)
    body = _DATES.sub("", lowered)
    if len(re.sub(r"[\W\d_]", "", body)) < 4:
        return -1.0  # dates, numbering or punctuation only
    return facts - boiler


def clean_sentence(sentence: str) -> str:
    """Remove the prosecutor's opening, dates and times, anonymised names and plates."""
    sentence = _PREFIXES.sub("", sentence)
    sentence = _DATES.sub("", sentence)
    sentence = _PLATES.sub("", sentence)
    sentence = _NAMES.sub("", sentence)
    sentence = re.sub(r"^[，,、：:\s]+", "", sentence)
    return re.sub(r"[，,]{2,}", "，", sentence).strip()


def focus_query(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Return the fact-bearing sentences of ``text``, in order, at most ``max_chars`` long.

    Sentences that score as boilerplate are dropped; dates and the prosecutor's opening
    are stripped from the rest. When more than ``max_chars`` remain, the highest scoring
    sentences are kept (still in their original order). A text with no fact-bearing
    sentence is returned cleaned and cut to ``max_chars``, never empty unless ``text`` is.
    """
    text = (text or "").strip()
    if not text:
        return ""
    sentences = split_sentences(text)
    scored = [
        (i, sentence_score(s), clean_sentence(s)) for i, s in enumerate(sentences)
    ]
    # Neutral sentences (no word of either kind) usually narrate: keep them unless very short.
    kept = [
        (i, score, s)
        for i, score, s in scored
        if s and (score > 0 or (score == 0 and len(s) >= 12))
    ]
    if not kept:
        cleaned = "".join(s for _, _, s in scored if s) or text
        return cleaned[:max_chars]
    total = sum(len(s) for _, _, s in kept)
    if total > max_chars:
        chosen: list[tuple[int, float, str]] = []
        length = 0
        for item in sorted(kept, key=lambda x: (-x[1], x[0])):
            if length + len(item[2]) > max_chars and chosen:
                continue
            chosen.append(item)
            length += len(item[2])
        kept = sorted(chosen)
    return "".join(s for _, _, s in kept)[:max_chars]
