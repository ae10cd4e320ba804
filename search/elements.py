"""Which sentence of a new case description supports each legal element of a charge.

An element is supported by a *sentence*, never by a word found anywhere in the text: a
sentence supports an element when it matches one of the element's cues, and a cue is a
set of patterns that must all match that same sentence (an act *and* its object: "打" and
"民警" in one sentence is an attack on the police; "民警" alone, in the sentence where the
police stopped a drunk driver, is not). The officer sees the sentence and can check it.

Cues are keyed by charge name and element kind (``ElementKind``: object, objective,
subject, subjective), written for the charges and violations of the demo content
(``casebank/demo_content/charges.py``); an element of another charge uses the cues of its
kind that fit every charge (age and identity for the subject), else the fallback: the one
sentence that holds at least two of the element's own fact words. With no supporting
sentence the element is shown as "未见相关事实" (no relevant fact seen).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .text import normalize, salient_terms

SENTENCE_END = re.compile(r"(?<=[。！？；;!?\n])")
NO_FACT = "未见相关事实"

# Building blocks (regular expressions) shared by several charges.
_AGE = r"\d{4}年\d{1,2}月\d{1,2}日(出)?生|\d{1,3}(周)?岁|出生于|年满|未满|已满|身份证|[男女][，,、]"
_MONEY = r"\d+(\.\d+)?\s*(余)?(万)?元|价值|价格认定|数额|损失"
_PROPERTY = r"财物|现金|手机|电动车|自行车|摩托车|汽车|车辆|钱包|首饰|金项链|电脑|电缆|货物|物品|钱款|存款|财产|[\d一二两三四五六七八九十百千万]+元"
_VIOLENCE = (
    r"殴打|打伤|打了|拳打|拳击|脚踢|踢打|踢伤|踢了|踹|掌掴|扇|耳光|咬伤|咬了|撕咬|撕扯|抱摔|摔倒|"
    r"推搡|推倒|掐|撞击|撞向|撞倒|撞伤|冲撞|袭击|砍|刺|捅|持刀|持棍|棍棒|砖头|挥拳|击打|打斗|"
    r"揪打|扭打|厮打|用\S{0,4}打|砸向|砸伤|砸中|砍伤"
)
_POLICE = r"民警|警察|辅警|交警|执勤|执法|警车|警用"
_OFFICIAL = (
    _POLICE + r"|工作人员|城管|执法人员|公务|税务|市场监管|海关|卫生监督|检查人员"
)
_INJURY = r"轻伤|重伤|轻微伤|骨折|伤残|死亡|伤情|受伤|致伤|出血|缝合|鉴定"
_DRINK = r"饮酒|酒后|醉酒|喝酒|喝了|酒精|血液中乙醇|乙醇含量|呼气"
_DRIVE = r"驾驶|驾车|开车|骑行|骑着|行驶"
_ROAD = r"道路|公路|路口|路段|街|大道|高速|国道|省道|停车场|小区道路|路上|路面"
_TAKE = r"偷|窃|盗|扒|拎包|撬|开锁|钥匙|打开\S{0,4}锁|顺手|溜门|趁\S{0,8}(不备|不注意|熟睡|无人|离开)"
_TAKE_AWAY = r"拿走|取走|骑走|开走|搬走|带走|拎走|据为己有|占为己有|揣|装进|藏|转移"
_DISPOSE = (
    r"变卖|卖给|卖掉|出售|销赃|挥霍|花光|用于|据为己有|占为己有|归还|赌博|消费|典当"
)
_DECEIVE = (
    r"冒充|假冒|谎称|虚构|隐瞒|编造|假装|骗|伪造|虚假|以\S{0,10}为(由|名)|刷单|返利|投资理财|"
    r"网恋|客服|征信|贷款"
)
_HAND_OVER = (
    r"转账|汇款|支付|交付|付款|转给|转入|给付|交给|打款|扫码|收取\S{0,6}(钱|款|费)"
)
_DRUG = r"毒品|甲基苯丙胺|冰毒|海洛因|氯胺酮|k粉|大麻|麻古|摇头丸|可卡因|吗啡|咖啡因"
_TRADE = r"贩卖|出售|卖给|售给|以\d+元|交易|购买|买了|收取|毒资"
_GAMBLE = r"赌博|赌场|赌资|赌客|参赌|牌九|麻将|扑克|百家乐|六合彩|押注|下注|赌球|赌博网站|网络赌博|炸金花|推筒子|老虎机|捕鱼机"
_RUN = r"开设|组织|经营|租用|租赁|提供|看场|放哨|望风|抽头|抽水|台费|代理|发展下线|招揽"
_PROFIT = r"抽头|抽水|台费|渔利|获利|牟利|盈利|营利|赚取|提成|好处费|佣金"
_CARD = r"银行卡|电话卡|手机卡|账户|U盾|收款码|支付宝|微信|对公账户|网银|结算|跑分|卡农|流水"
_KNOW = r"明知|知道|清楚|意识到|察觉|告知|提醒|警示|异常|高额报酬|好处费|暗语|规避|频繁更换|止付|冻结|违法犯罪"
_STOLEN = r"赃物|赃款|盗来|偷来|抢来|骗来|来路不明|犯罪所得|被盗|诈骗所得"
_HIDE = (
    r"收购|窝藏|转移|代为销售|销售|转卖|帮助\S{0,6}(取现|转账)|取现|套现|藏匿|低价|回收"
)
_CONFINE = r"关押|关在|锁在|拘禁|扣押|扣留|限制\S{0,4}(人身)?自由|看管|看守|不让\S{0,4}(离开|走)|捆绑|绑|控制"
_DEBT = r"索要|讨要|讨债|债务|欠款|还钱|索债|赌债"
_ROB = r"抢|劫|夺"
_THREAT = r"威胁|胁迫|恐吓|持刀|持械|刀|枪|暴力|殴打|捂嘴|按倒|掐|捆绑"
_GATHER = (
    r"纠集|召集|叫上|叫来|邀约|伙同|带领|组织\S{0,6}(人|多人)|\d+(余)?人|多人|双方"
)
_BRAWL = r"斗殴|互殴|打斗|群殴|械斗|对打|殴打"
_TRIFLE = r"琐事|口角|纠纷|矛盾|争执|看不惯|不顺眼|酒后|发泄|逞强|耍横|无故|随意|寻求刺激|借故生非"
_PUBLIC = r"公共场所|饭店|餐馆|酒吧|ktv|商场|超市|广场|车站|街道|马路|路边|市场|医院|学校|网吧|夜宵|大排档|烧烤|小区|公园"

# (charge name, element kind) → cues; each cue is a tuple of patterns that must all match
# the same sentence.
CUES: dict[tuple[str, str], list[tuple[str, ...]]] = {
    ("盗窃罪", "object"): [(_PROPERTY,), (_MONEY,)],
    ("盗窃罪", "objective"): [(_TAKE,), (_TAKE_AWAY, _PROPERTY)],
    ("盗窃罪", "subjective"): [
        (_DISPOSE,),
        (r"踩点|准备\S{0,6}(工具|钥匙|钳|螺丝刀)|作案工具",),
    ],
    ("诈骗罪", "object"): [(_MONEY,), (_HAND_OVER,)],
    ("诈骗罪", "objective"): [
        (_DECEIVE, _HAND_OVER),
        (_DECEIVE, r"骗取|骗得|信以为真|相信|陷入"),
    ],
    ("诈骗罪", "subjective"): [
        (_DISPOSE,),
        (r"虚假身份|假名|失联|逃匿|拉黑|关机|删除",),
    ],
    ("故意伤害罪", "object"): [(_INJURY,)],
    ("故意伤害罪", "objective"): [(_VIOLENCE,)],
    ("故意伤害罪", "subjective"): [
        (
            r"报复|预谋|事先|准备\S{0,6}(刀|棍|工具)|携带|持刀|持棍|朝\S{0,6}(头|胸|腹)|猛击|连续",
        )
    ],
    ("危险驾驶罪", "object"): [(_ROAD, _DRIVE), (_ROAD, r"查获|检查|行驶")],
    ("危险驾驶罪", "objective"): [
        (_DRINK, r"\d+(\.\d+)?\s*mg|毫克|醉酒驾驶|酒后驾驶|醉驾|酒驾"),
        (_DRIVE, r"追逐竞驶|超员|超速|危险化学品|校车"),
    ],
    ("危险驾驶罪", "subject"): [
        (r"驾驶人|驾驶员|司机|驾驶证|驾照|无证|吊销",),
        (_DRIVE, r"机动车|汽车|轿车|货车|摩托车|小车|面包车|越野车"),
    ],
    ("危险驾驶罪", "subjective"): [(_DRINK, r"后|饮|喝")],
    ("寻衅滋事罪", "object"): [(_PUBLIC,)],
    ("寻衅滋事罪", "objective"): [
        (_VIOLENCE,),
        (r"追逐|拦截|辱骂|恐吓|强拿硬要|任意损毁|砸|起哄闹事|占用",),
    ],
    ("寻衅滋事罪", "subjective"): [(_TRIFLE,)],
    ("帮助信息网络犯罪活动罪", "object"): [
        (r"诈骗|赌博|网络犯罪|上游|违法犯罪|被害人",),
    ],
    ("帮助信息网络犯罪活动罪", "objective"): [
        (_CARD, r"出售|出租|出借|提供|交给|收购|办理|转账|取现|支付结算|帮助|流水"),
        (r"技术支持|服务器|推广|广告|引流|搭建",),
    ],
    ("帮助信息网络犯罪活动罪", "subjective"): [(_KNOW,)],
    ("开设赌场罪", "object"): [
        (_GAMBLE, r"\d+(余)?(人|名)|多人|赌客|参赌人员|持续|长期|规模")
    ],
    ("开设赌场罪", "objective"): [(_GAMBLE, _RUN)],
    ("开设赌场罪", "subject"): [
        (r"出资|股东|合伙|负责|管理|看场|放哨|望风|荷官|代理|分工",)
    ],
    ("开设赌场罪", "subjective"): [(_PROFIT,)],
    ("走私、贩卖、运输、制造毒品罪", "object"): [(_DRUG,)],
    ("走私、贩卖、运输、制造毒品罪", "objective"): [
        (_DRUG, _TRADE),
        (_DRUG, r"运输|携带|走私|制造"),
    ],
    ("走私、贩卖、运输、制造毒品罪", "subjective"): [
        (_DRUG, r"明知|知道|藏|隐蔽|逃避|报酬|好处费"),
        (_DRUG, _TRADE),
    ],
    ("掩饰、隐瞒犯罪所得、犯罪所得收益罪", "object"): [
        (_STOLEN,),
        (r"上游|盗窃|诈骗|抢劫", _PROPERTY),
    ],
    ("掩饰、隐瞒犯罪所得、犯罪所得收益罪", "objective"): [
        (_HIDE, _STOLEN),
        (_HIDE, _PROPERTY),
    ],
    ("掩饰、隐瞒犯罪所得、犯罪所得收益罪", "subject"): [
        (r"回收|收购站|二手|废品|手机店|车行|经营",)
    ],
    ("掩饰、隐瞒犯罪所得、犯罪所得收益罪", "subjective"): [
        (
            r"明知|知道|低价|明显低于|来路不明|没有\S{0,4}(发票|手续|凭证)|无\S{0,4}(发票|手续|凭证)|深夜|凌晨",
        )
    ],
    ("妨害公务罪", "object"): [
        (_OFFICIAL, r"执行|执法|检查|处置|出警|调查|职务|公务|查处")
    ],
    ("妨害公务罪", "objective"): [
        (_VIOLENCE, _OFFICIAL),
        (r"威胁|恐吓|阻碍|阻拦|阻挠", _OFFICIAL),
    ],
    ("妨害公务罪", "subjective"): [
        (
            r"着制服|穿着\S{0,4}(制服|警服)|出示\S{0,4}(证件|工作证)|表明身份|亮明身份|告知",
        ),
        (_VIOLENCE, _OFFICIAL),
    ],
    ("袭警罪", "object"): [
        (_POLICE, r"执行|执法|出警|检查|盘查|处置|调查|传唤|执勤|职务|抓捕")
    ],
    ("袭警罪", "objective"): [
        (_VIOLENCE, _POLICE),
        (r"抢夺|砸|毁坏", r"警车|警械|执法记录仪|警用"),
    ],
    ("袭警罪", "subjective"): [
        (
            r"着警服|穿着警服|身着警服|出示\S{0,4}(证件|警官证)|表明身份|亮明身份|警车|告知",
        ),
        (_VIOLENCE, _POLICE),
    ],
    ("非法拘禁罪", "object"): [(_CONFINE,)],
    ("非法拘禁罪", "objective"): [(_CONFINE,)],
    ("非法拘禁罪", "subject"): [(r"看管|看守|负责|分工|组织",)],
    ("非法拘禁罪", "subjective"): [(_DEBT,), (r"为了|为\S{0,8}(讨|索|逼)|目的",)],
    ("抢劫罪", "object"): [(_PROPERTY,), (_INJURY,)],
    ("抢劫罪", "objective"): [
        (_ROB, _THREAT),
        (_ROB, _PROPERTY),
        (_THREAT, r"索要|要求\S{0,4}交出|交出|拿走|抢走"),
    ],
    ("抢劫罪", "subjective"): [
        (_DISPOSE,),
        (r"预谋|商量|事先|分赃|准备\S{0,6}(刀|工具|绳)",),
    ],
    ("聚众斗殴罪", "object"): [(_PUBLIC,), (r"围观|交通|秩序",)],
    ("聚众斗殴罪", "objective"): [
        (_GATHER, _BRAWL),
        (_GATHER, r"持\S{0,4}(刀|棍|械)|砍刀|钢管"),
    ],
    ("聚众斗殴罪", "subject"): [(r"纠集|召集|组织|首要|带领|积极参加",)],
    ("聚众斗殴罪", "subjective"): [(r"报复|争霸|争夺|泄愤|私仇|矛盾|约架|约好",)],
    ("殴打他人", "object"): [(_INJURY,), (_VIOLENCE,)],
    ("殴打他人", "objective"): [(_VIOLENCE,)],
    ("殴打他人", "subjective"): [(_TRIFLE,), (r"故意|报复|不满",)],
    ("赌博", "object"): [(_GAMBLE,)],
    ("赌博", "objective"): [(_GAMBLE,)],
    ("赌博", "subjective"): [(_GAMBLE, r"输赢|赌资|元|营利|抽头|筹码")],
}
# Cues every charge's element of a kind shares (the subject: who, how old).
KIND_CUES: dict[str, list[tuple[str, ...]]] = {
    "subject": [(_AGE,)],
}
# Charges whose subject element needs more than an age (the driver, the organiser).
SUBJECT_ADDS_TO_AGE = {"危险驾驶罪", "开设赌场罪", "非法拘禁罪", "聚众斗殴罪"}


@dataclass(frozen=True)
class Support:
    """The sentence of the new text that supports an element, and what matched in it."""

    sentence: str
    matched: tuple[str, ...]


def sentences(text: str) -> list[str]:
    """Return the sentences of ``text`` (split after 。！？；and line ends), stripped."""
    return [s.strip() for s in SENTENCE_END.split(text or "") if s.strip()]


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def cues_for(charge: str, kind: str) -> list[tuple[str, ...]]:
    """Return the cues of the element of ``kind`` of ``charge`` (see ``CUES``)."""
    own = CUES.get((charge, kind), [])
    shared = KIND_CUES.get(kind, [])
    if kind == "subject" and own and charge in SUBJECT_ADDS_TO_AGE:
        return own
    return [*own, *shared]


def _match(cue: tuple[str, ...], sentence: str) -> tuple[str, ...] | None:
    found = []
    for pattern in cue:
        m = _compiled(pattern).search(sentence)
        if m is None:
            return None
        found.append(m.group(0))
    return tuple(found)


def _fallback_terms(element: Any) -> list[str]:
    generic = {"行为", "犯罪", "构成", "要件", "他人", "实施", "具有", "是否", "情况"}
    terms = salient_terms(f"{element.title} {element.facts}")
    return [t for t in terms if t not in generic and len(t) >= 2]


def support(element: Any, charge: str, text_sentences: list[str]) -> Support | None:
    """Return the first sentence of ``text_sentences`` that supports ``element`` (a
    ``LegalElement`` or anything with ``kind``, ``title`` and ``facts``) of ``charge``,
    or None when no sentence does."""
    normalized = [normalize(s) for s in text_sentences]
    cues = cues_for(charge, element.kind)
    if cues:
        for original, sentence in zip(text_sentences, normalized, strict=True):
            for cue in cues:
                matched = _match(cue, sentence)
                if matched is not None:
                    return Support(sentence=original, matched=matched)
        return None
    # No cue for this element: a sentence must hold two of its own fact words.
    terms = _fallback_terms(element)
    best: Support | None = None
    for original, sentence in zip(text_sentences, normalized, strict=True):
        hits = tuple(t for t in terms if t in sentence)
        if len(hits) >= 2 and (best is None or len(hits) > len(best.matched)):
            best = Support(sentence=original, matched=hits)
    return best
