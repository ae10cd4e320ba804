"""Demo courses (written by us, in Chinese), their review workflow and editor rights, a
few 会前学法 sessions, and some learners' progress. Idempotent: sections and courses are
found by slug, statute articles by citation, cases by source id, sessions by meeting."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from wagtail.models import Page, Site

from accounts.models import Role, Unit, User

from . import services
from .bootstrap import catalogue_setup
from .models import (
    AttendanceStatus,
    CourseAudienceRule,
    CourseIndexPage,
    CourseLecturer,
    CoursePage,
    LessonPage,
    LessonProgress,
    PreMeetingAttendance,
    PreMeetingStudySession,
)

ORDER = 20


def _seed_evaluation(command: Any = None) -> None:
    from .demo_evaluation import seed as seed_evaluation

    seed_evaluation(command)


# The evaluation demo reads the training history (records.demo, ORDER 60): it runs after.
STEPS = [(ORDER, "seed"), (70, _seed_evaluation)]

# Statute articles the lessons cite: (law, effective date of this text, label, number,
# sub number, text). Used only when the statute library has not imported them.
LAW_DATES = {
    "中华人民共和国刑事诉讼法": dt.date(2018, 10, 26),
    "公安机关办理刑事案件程序规定": dt.date(2020, 9, 1),
    "中华人民共和国刑法": dt.date(2021, 3, 1),
    "中华人民共和国反电信网络诈骗法": dt.date(2022, 12, 1),
}
ARTICLES: dict[str, tuple[str, str, int, int, str]] = {
    "刑诉110": (
        "中华人民共和国刑事诉讼法",
        "第一百一十条",
        110,
        0,
        "任何单位和个人发现有犯罪事实或者犯罪嫌疑人，有权利也有义务向公安机关、人民检察院或者人民法院报案或者举报。\n"
        "被害人对侵犯其人身、财产权利的犯罪事实或者犯罪嫌疑人，有权向公安机关、人民检察院或者人民法院报案或者控告。\n"
        "公安机关、人民检察院或者人民法院对于报案、控告、举报，都应当接受。对于不属于自己管辖的，应当移送主管机关处理，并且通知报案人、控告人、举报人；对于不属于自己管辖而又必须采取紧急措施的，应当先采取紧急措施，然后移送主管机关。\n"
        "犯罪人向公安机关、人民检察院或者人民法院自首的，适用第三款规定。",
    ),
    "刑诉112": (
        "中华人民共和国刑事诉讼法",
        "第一百一十二条",
        112,
        0,
        "人民法院、人民检察院或者公安机关对于报案、控告、举报和自首的材料，应当按照管辖范围，迅速进行审查，认为有犯罪事实需要追究刑事责任的时候，应当立案；认为没有犯罪事实，或者犯罪事实显著轻微，不需要追究刑事责任的时候，不予立案，并且将不立案的原因通知控告人。控告人如果不服，可以申请复议。",
    ),
    "刑诉14": (
        "中华人民共和国刑事诉讼法",
        "第十四条",
        14,
        0,
        "人民法院、人民检察院和公安机关应当保障犯罪嫌疑人、被告人和其他诉讼参与人依法享有的辩护权和其他诉讼权利。\n"
        "诉讼参与人对于审判人员、检察人员和侦查人员侵犯公民诉讼权利和人身侮辱的行为，有权提出控告。",
    ),
    "刑诉52": (
        "中华人民共和国刑事诉讼法",
        "第五十二条",
        52,
        0,
        "审判人员、检察人员、侦查人员必须依照法定程序，收集能够证实犯罪嫌疑人、被告人有罪或者无罪、犯罪情节轻重的各种证据。严禁刑讯逼供和以威胁、引诱、欺骗以及其他非法方法收集证据，不得强迫任何人证实自己有罪。必须保证一切与案件有关或者了解案情的公民，有客观地充分地提供证据的条件，除特殊情况外，可以吸收他们协助调查。",
    ),
    "刑诉56": (
        "中华人民共和国刑事诉讼法",
        "第五十六条",
        56,
        0,
        "采用刑讯逼供等非法方法收集的犯罪嫌疑人、被告人供述和采用暴力、威胁等非法方法收集的证人证言、被害人陈述，应当予以排除。收集物证、书证不符合法定程序，可能严重影响司法公正的，应当予以补正或者作出合理解释；不能补正或者作出合理解释的，对该证据应当予以排除。\n"
        "在侦查、审查起诉、审判时发现有应当排除的证据的，应当依法予以排除，不得作为起诉意见、起诉决定和判决的依据。",
    ),
    "规定169": (
        "公安机关办理刑事案件程序规定",
        "第一百六十九条",
        169,
        0,
        "公安机关对于公民扭送、报案、控告、举报或者犯罪嫌疑人自动投案的，都应当立即接受，问明情况，并制作笔录，经核对无误后，由扭送人、报案人、控告人、举报人、投案人签名、捺指印。必要时，应当对接受过程录音录像。",
    ),
    "规定171": (
        "公安机关办理刑事案件程序规定",
        "第一百七十一条",
        171,
        0,
        "公安机关接受案件时，应当制作受案登记表和受案回执，并将受案回执交扭送人、报案人、控告人、举报人。扭送人、报案人、控告人、举报人无法取得联系或者拒绝接受回执的，应当在回执中注明。",
    ),
    "规定174": (
        "公安机关办理刑事案件程序规定",
        "第一百七十四条",
        174,
        0,
        "对接受的案件，或者发现的犯罪线索，公安机关应当迅速进行审查。发现案件事实或者线索不明的，必要时，经办案部门负责人批准，可以进行调查核实。\n"
        "调查核实过程中，公安机关可以依照有关法律和规定采取询问、查询、勘验、鉴定和调取证据材料等不限制被调查对象人身、财产权利的措施。但是，不得对被调查对象采取强制措施，不得查封、扣押、冻结被调查对象的财产，不得采取技术侦查措施。",
    ),
    "规定178": (
        "公安机关办理刑事案件程序规定",
        "第一百七十八条",
        178,
        0,
        "公安机关接受案件后，经审查，认为有犯罪事实需要追究刑事责任，且属于自己管辖的，经县级以上公安机关负责人批准，予以立案；认为没有犯罪事实，或者犯罪事实显著轻微不需要追究刑事责任，或者具有其他依法不追究刑事责任情形的，经县级以上公安机关负责人批准，不予立案。\n"
        "对有控告人的案件，决定不予立案的，公安机关应当制作不予立案通知书，并在三日以内送达控告人。\n"
        "决定不予立案后又发现新的事实或者证据，或者发现原认定事实错误，需要追究刑事责任的，应当及时立案处理。",
    ),
    "刑法247": (
        "中华人民共和国刑法",
        "第二百四十七条",
        247,
        0,
        "司法工作人员对犯罪嫌疑人、被告人实行刑讯逼供或者使用暴力逼取证人证言的，处三年以下有期徒刑或者拘役。致人伤残、死亡的，依照本法第二百三十四条、第二百三十二条的规定定罪从重处罚。",
    ),
    "刑法266": (
        "中华人民共和国刑法",
        "第二百六十六条",
        266,
        0,
        "诈骗公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金；数额巨大或者有其他严重情节的，处三年以上十年以下有期徒刑，并处罚金；数额特别巨大或者有其他特别严重情节的，处十年以上有期徒刑或者无期徒刑，并处罚金或者没收财产。本法另有规定的，依照规定。",
    ),
    "刑法287-2": (
        "中华人民共和国刑法",
        "第二百八十七条之二",
        287,
        2,
        "明知他人利用信息网络实施犯罪，为其犯罪提供互联网接入、服务器托管、网络存储、通讯传输等技术支持，或者提供广告推广、支付结算等帮助，情节严重的，处三年以下有期徒刑或者拘役，并处或者单处罚金。\n"
        "单位犯前款罪的，对单位判处罚金，并对其直接负责的主管人员和其他直接责任人员，依照第一款的规定处罚。\n"
        "有前两款行为，同时构成其他犯罪的，依照处罚较重的规定定罪处罚。",
    ),
    "反诈2": (
        "中华人民共和国反电信网络诈骗法",
        "第二条",
        2,
        0,
        "本法所称电信网络诈骗，是指以非法占有为目的，利用电信网络技术手段，通过远程、非接触等方式，诈骗公私财物的行为。",
    ),
    "反诈31": (
        "中华人民共和国反电信网络诈骗法",
        "第三十一条",
        31,
        0,
        "任何单位和个人不得非法买卖、出租、出借电话卡、物联网卡、电信线路、短信端口、银行账户、支付账户、互联网账号等，不得提供实名核验帮助；不得假冒他人身份或者虚构代理关系开立上述卡、账户、账号等。\n"
        "对经设区的市级以上公安机关认定的实施前款行为的单位、个人和相关组织者，以及因从事电信网络诈骗活动或者关联犯罪受过刑事处罚的人员，可以按照国家有关规定记入信用记录，采取限制其有关卡、账户、账号等功能和停止非柜面业务、暂停新业务、限制入网等措施。对上述认定和措施有异议的，可以提出申诉，有关部门应当建立健全申诉渠道、信用修复和救济制度。具体办法由国务院公安部门会同有关主管部门规定。",
    ),
    "反诈38": (
        "中华人民共和国反电信网络诈骗法",
        "第三十八条",
        38,
        0,
        "组织、策划、实施、参与电信网络诈骗活动或者为电信网络诈骗活动提供帮助，构成犯罪的，依法追究刑事责任。\n"
        "前款行为尚不构成犯罪的，由公安机关处十日以上十五日以下拘留；没收违法所得，处违法所得一倍以上十倍以下罚款，没有违法所得或者违法所得不足一万元的，处十万元以下罚款。",
    ),
}

# Typical cases the lessons discuss (fictional, written for training).
CASES: dict[str, dict[str, Any]] = {
    "courses-demo:case-no-filing": {
        "title": "某派出所对盗窃报案“不接不立”被责令整改案",
        "kind": "administrative",
        "summary": "群众三次到派出所报案称电动车被盗，值班民警以“价值不大、查不到”为由未予登记，后经督察发现并责令立即受案，相关人员被问责。",
        "facts": "2023年5月，报案人王某的电动自行车（购买价3200元）在小区楼下被盗。王某先后三次到辖区派出所报案，值班民警均口头答复“这种案子太多了，登记了也查不到”，未制作受案登记表，也未出具受案回执。王某遂通过12389举报平台反映。",
        "handling_process": "分局督察部门调取接报警记录和执法记录仪视频，核实派出所未依法受案。派出所当日补办受案登记、出具回执，经审查认为涉嫌盗窃，报经县级以上公安机关负责人批准立案侦查，一周后通过视频追踪抓获嫌疑人。",
        "outcome": "对值班民警给予诫勉处理，对派出所予以通报批评，并开展受案立案专项整改。",
        "key_points": "报案、控告、举报一律接受；当场登记，出具受案回执；不属于自己管辖的也要先接受再移送，不得推诿。",
        "lessons": "“有案不接、有案不立”直接损害群众利益和公安机关公信力；接报案全程录音录像、受案登记表与回执必须规范制作。",
        "articles": ["刑诉110", "规定169", "规定171"],
    },
    "courses-demo:case-card-rental": {
        "title": "张某出租银行卡帮助信息网络犯罪活动案",
        "kind": "criminal",
        "summary": "张某明知他人利用信息网络实施诈骗，仍将本人名下4张银行卡及U盾出租给他人使用，卡内流水达86万元，构成帮助信息网络犯罪活动罪。",
        "facts": "2022年8月，被告人张某在网上结识“收卡人”，以每张卡每月1500元的价格将本人办理的4张银行卡连同U盾、绑定手机卡出租。经查，其中2张卡被用于接收电信网络诈骗资金，涉及被害人7名，支付结算金额累计86万元。张某在收卡人要求下多次“刷脸”解除银行冻结。",
        "handling_process": "反诈中心在资金查控中发现涉案账户，经分析确定持卡人张某，依法传唤。民警调取银行流水、聊天记录，并询问被害人、收卡人。张某对出租银行卡的事实供认不讳，但辩称不知道对方用于诈骗。",
        "outcome": "法院认定张某明知他人利用信息网络实施犯罪而提供支付结算帮助，情节严重，以帮助信息网络犯罪活动罪判处有期徒刑一年，并处罚金一万元。",
        "key_points": "“明知”可以结合出租价格明显异常、多次协助解冻、交易频繁等情形综合认定；支付结算金额二十万元以上属于“情节严重”。",
        "lessons": "对涉“两卡”人员要同步固定聊天记录、收益记录和解冻操作记录，证明其主观明知。",
        "articles": ["刑法287-2", "反诈31", "反诈38"],
    },
    "courses-demo:case-coerced-confession": {
        "title": "某刑侦大队违法讯问致有罪供述被排除案",
        "kind": "criminal",
        "summary": "侦查人员在办案场所外对犯罪嫌疑人连续讯问近三十小时，所获供述被法院认定为非法证据予以排除，案件因证据不足改判。",
        "facts": "2021年3月，某刑侦大队在侦办一起入室抢劫案中，将犯罪嫌疑人李某带至办案场所以外的宾馆房间，连续讯问近三十小时，未保证其必要的饮食和休息，讯问过程未全程录音录像。李某作出有罪供述，后在审查起诉阶段翻供并称遭受威胁。",
        "handling_process": "辩护人申请排除非法证据。法院启动证据收集合法性调查，侦查机关无法提供同步录音录像，也不能作出合理解释。",
        "outcome": "法院依法排除李某在宾馆所作供述，其余证据不足以认定李某实施抢劫，检察机关撤回起诉。涉案侦查人员被追究纪律责任。",
        "key_points": "讯问应当在规定的办案场所进行并全程录音录像；疲劳审讯取得的供述属于应当排除的非法证据。",
        "lessons": "程序违法不仅导致证据排除，还可能放纵真正的犯罪人；规范执法就是保障办案质量。",
        "articles": ["刑诉56", "刑诉52", "刑法247"],
    },
}


def _rt(html: str) -> dict:
    return {
        "type": "rich_text",
        "value": html,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, html)),
    }


def _article(key: str, articles: dict, note: str = "") -> dict:
    return {
        "type": "article",
        "value": {"article": articles[key].pk, "note": note},
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"article:{key}")),
    }


def _case(key: str, cases: dict, note: str = "") -> dict:
    return {
        "type": "case",
        "value": {"case": cases[key].pk, "note": note},
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"case:{key}")),
    }


def _q(stem: str, choices: list[str], correct: list[int], explanation: str) -> dict:
    return {
        "type": "practice",
        "value": {
            "stem": stem,
            "choices": [
                {"text": c, "correct": i in correct} for i, c in enumerate(choices)
            ],
            "explanation": explanation,
        },
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"q:{stem}")),
    }


def _lessons(
    articles: dict, cases: dict
) -> dict[str, list[tuple[str, str, int, list[dict]]]]:
    """Return course slug → [(lesson slug, title, minutes, blocks)]."""
    return {
        "shouan-lian-guifan": [
            (
                "shouan-dengji",
                "第一讲 受案登记：一律接受、当场登记",
                25,
                [
                    _rt(
                        "<h2>为什么强调“一律接受”</h2><p>受案是刑事诉讼和行政案件办理的入口。刑事诉讼法第一百一十条规定，公安机关对于报案、控告、举报都应当接受；不属于自己管辖的，也要先接受、再移送，紧急情况下先采取紧急措施。</p>"
                        "<ul><li>接报案时问明情况、制作笔录，由报案人签名、捺指印；</li><li>必要时对接受过程录音录像；</li><li>制作受案登记表和受案回执，回执交报案人。</li></ul>"
                    ),
                    _article("刑诉110", articles, "重点：第三款“都应当接受”。"),
                    _article("规定169", articles),
                    _article(
                        "规定171",
                        articles,
                        "受案回执是群众监督受案的凭证，拒收的要在回执中注明。",
                    ),
                    _q(
                        "群众到派出所报案，所述事项不属于本派出所管辖，值班民警应当如何处理？",
                        [
                            "告知其到有管辖权的单位报案，不予登记",
                            "先接受并登记，再移送主管机关并通知报案人",
                            "待领导批准后再决定是否接受",
                            "要求报案人提供证据后再接受",
                        ],
                        [1],
                        "刑事诉讼法第一百一十条第三款：对于不属于自己管辖的，应当移送主管机关处理，并且通知报案人。",
                    ),
                    _q(
                        "公安机关接受案件时应当制作哪些文书？（多选）",
                        ["受案登记表", "受案回执", "立案决定书", "拘留证"],
                        [0, 1],
                        "《公安机关办理刑事案件程序规定》第一百七十一条：应当制作受案登记表和受案回执。",
                    ),
                ],
            ),
            (
                "lian-shencha",
                "第二讲 立案审查与调查核实",
                30,
                [
                    _rt(
                        "<h2>审查的期限与方式</h2><p>对接受的案件，公安机关应当迅速进行审查。事实或者线索不明的，经办案部门负责人批准可以调查核实，但只能采取不限制人身、财产权利的措施。</p>"
                        "<p>审查后，有犯罪事实需要追究刑事责任且属于自己管辖的，经县级以上公安机关负责人批准立案；对有控告人的案件决定不立案的，三日以内送达不予立案通知书。</p>"
                    ),
                    _article(
                        "规定174",
                        articles,
                        "调查核实阶段禁止：强制措施、查封扣押冻结、技术侦查措施。",
                    ),
                    _article("规定178", articles),
                    _article("刑诉112", articles),
                    _q(
                        "立案前的调查核实中，下列哪项措施可以采取？",
                        [
                            "询问、查询、调取证据材料",
                            "刑事拘留",
                            "冻结被调查对象存款",
                            "技术侦查措施",
                        ],
                        [0],
                        "第一百七十四条：只能采取不限制被调查对象人身、财产权利的措施。",
                    ),
                    _q(
                        "对有控告人的案件决定不予立案的，应当在几日以内将不予立案通知书送达控告人？",
                        ["一日", "三日", "七日", "十五日"],
                        [1],
                        "《公安机关办理刑事案件程序规定》第一百七十八条第二款：三日以内送达控告人。",
                    ),
                ],
            ),
            (
                "anli-buli",
                "第三讲 典型案例：“不接不立”的代价",
                20,
                [
                    _rt(
                        "<p>阅读下面的案例，思考：值班民警的做法违反了哪些规定？派出所应当如何建立受案立案的内部监督？</p>"
                    ),
                    _case(
                        "courses-demo:case-no-filing",
                        cases,
                        "讨论：接报案录音录像和受案回执在本案整改中的作用。",
                    ),
                    _q(
                        "本案中，值班民警的主要错误是什么？",
                        [
                            "未及时抓获嫌疑人",
                            "未接受报案、未制作受案登记表和回执",
                            "未通知检察机关",
                            "未进行现场勘验",
                        ],
                        [1],
                        "报案一律接受、当场登记、出具回执，是受案环节的底线要求。",
                    ),
                ],
            ),
        ],
        "dianxin-zhapian-banli": [
            (
                "gainian-zuiming",
                "第一讲 电信网络诈骗的概念与常见罪名",
                30,
                [
                    _rt(
                        "<h2>概念</h2><p>反电信网络诈骗法第二条界定了电信网络诈骗：以非法占有为目的，利用电信网络技术手段，通过远程、非接触等方式诈骗公私财物。</p>"
                        "<h2>常见罪名</h2><ul><li>诈骗罪（刑法第二百六十六条）</li><li>帮助信息网络犯罪活动罪（刑法第二百八十七条之二）</li><li>掩饰、隐瞒犯罪所得罪等关联犯罪</li></ul>"
                    ),
                    _article("反诈2", articles),
                    _article("刑法266", articles),
                    _article(
                        "刑法287-2", articles, "注意“明知”的认定和“情节严重”的标准。"
                    ),
                    _q(
                        "电信网络诈骗的构成要素不包括下列哪项？",
                        [
                            "以非法占有为目的",
                            "利用电信网络技术手段",
                            "通过远程、非接触等方式",
                            "被害人与行为人当面交付财物",
                        ],
                        [3],
                        "第二条强调远程、非接触方式；当面交付不属于电信网络诈骗的典型特征。",
                    ),
                    _q(
                        "明知他人利用信息网络实施犯罪，为其提供支付结算帮助，情节严重的，可能构成什么罪？",
                        ["诈骗罪", "帮助信息网络犯罪活动罪", "非法经营罪", "洗钱罪"],
                        [1],
                        "刑法第二百八十七条之二。",
                    ),
                ],
            ),
            (
                "liangka-zhili",
                "第二讲 “两卡”治理与行政处罚",
                25,
                [
                    _rt(
                        "<p>“两卡”指电话卡和银行卡。反电信网络诈骗法禁止非法买卖、出租、出借电话卡、银行账户、支付账户、互联网账号，并规定了尚不构成犯罪时的行政处罚。</p>"
                    ),
                    _article("反诈31", articles),
                    _article(
                        "反诈38",
                        articles,
                        "尚不构成犯罪的：十日以上十五日以下拘留，并处罚款。",
                    ),
                    _q(
                        "为电信网络诈骗活动提供帮助，尚不构成犯罪，没有违法所得的，公安机关可以如何处罚？（多选）",
                        [
                            "处十日以上十五日以下拘留",
                            "处十万元以下罚款",
                            "吊销营业执照",
                            "警告",
                        ],
                        [0, 1],
                        "反电信网络诈骗法第三十八条第二款。",
                    ),
                ],
            ),
            (
                "anli-chuzu-yinhangka",
                "第三讲 典型案例：出租银行卡的刑事责任",
                20,
                [
                    _case(
                        "courses-demo:case-card-rental",
                        cases,
                        "讨论：如何通过客观证据证明“明知”？",
                    ),
                    _q(
                        "认定出租银行卡人员主观“明知”，下列哪些情形可以作为依据？（多选）",
                        [
                            "出租价格明显高于正常",
                            "多次按对方要求刷脸解除冻结",
                            "银行卡由本人正常使用工资代发",
                            "交易流水明显异常",
                        ],
                        [0, 1, 3],
                        "综合交易价格、解冻操作、流水异常等客观情况认定明知。",
                    ),
                ],
            ),
        ],
        "renquan-baozhang": [
            (
                "falv-yaoqiu",
                "第一讲 尊重和保障人权的法律要求",
                25,
                [
                    _rt(
                        "<p>刑事诉讼法将“尊重和保障人权”写入任务条款。执法办案中，保障犯罪嫌疑人的辩护权等诉讼权利，严禁刑讯逼供和以威胁、引诱、欺骗等非法方法收集证据。</p>"
                    ),
                    _article("刑诉14", articles),
                    _article("刑诉52", articles),
                    _q(
                        "下列哪种取证方式是法律明确禁止的？",
                        [
                            "依法制作讯问笔录",
                            "全程录音录像",
                            "以威胁、引诱、欺骗方法收集证据",
                            "告知犯罪嫌疑人诉讼权利",
                        ],
                        [2],
                        "刑事诉讼法第五十二条。",
                    ),
                ],
            ),
            (
                "feifa-zhengju-paichu",
                "第二讲 非法证据排除规则",
                30,
                [
                    _rt(
                        "<p>采用刑讯逼供等非法方法收集的供述，采用暴力、威胁等非法方法收集的证人证言、被害人陈述，应当予以排除；物证、书证收集不合法、可能严重影响司法公正且不能补正或合理解释的，也应排除。</p>"
                    ),
                    _article("刑诉56", articles),
                    _article(
                        "刑法247",
                        articles,
                        "刑讯逼供不仅导致证据排除，还可能构成犯罪。",
                    ),
                    _q(
                        "收集物证不符合法定程序，可能严重影响司法公正的，应当如何处理？",
                        [
                            "一律排除",
                            "一律采信",
                            "予以补正或者作出合理解释，不能补正或解释的予以排除",
                            "由侦查人员自行决定",
                        ],
                        [2],
                        "刑事诉讼法第五十六条第一款。",
                    ),
                ],
            ),
            (
                "anli-paichu",
                "第三讲 典型案例：疲劳审讯的后果",
                20,
                [
                    _case("courses-demo:case-coerced-confession", cases),
                    _q(
                        "本案中供述被排除的主要原因有哪些？（多选）",
                        [
                            "在办案场所以外讯问",
                            "连续讯问近三十小时",
                            "未全程录音录像且不能合理解释",
                            "嫌疑人有前科",
                        ],
                        [0, 1, 2],
                        "讯问地点、时长、录音录像均不符合规定，侦查机关又不能证明取证合法。",
                    ),
                ],
            ),
        ],
    }


COURSES: list[dict[str, Any]] = [
    {
        "slug": "shouan-lian-guifan",
        "section": "zhifa-guifan",
        "title": "受案立案规范",
        "summary": "围绕“有案必接、接案必录、立案必审”，系统讲解受案登记、立案审查、调查核实的法定要求和常见问题，结合典型案例剖析“不接不立”的执法风险。",
        "objectives": "<ul><li>掌握受案登记、受案回执的制作要求</li><li>掌握立案审查期限、审批权限和不予立案的处理</li><li>能够识别受案立案环节的常见执法问题</li></ul>",
        "credit_hours": "2",
        "category": "enforcement",
        "required": True,
        "due_days": 45,
        "yearly": False,
        "lecturers": [
            ("李秀梅", "officer", "滨江市公安局法制支队", "一级警长"),
            ("周明", "prosecutor", "滨江市人民检察院第二检察部", "四级高级检察官"),
        ],
        "rules": [{"role": Role.OFFICER, "unit": None}],
    },
    {
        "slug": "dianxin-zhapian-banli",
        "section": "falv-fagui",
        "title": "电信网络诈骗案件办理",
        "summary": "结合反电信网络诈骗法和刑法相关条文，讲解电信网络诈骗及关联犯罪的认定、“两卡”违法行为的处罚，以及涉案账户资金查控中的取证要点。",
        "objectives": "<ul><li>理解电信网络诈骗的法律界定</li><li>准确区分诈骗罪与帮助信息网络犯罪活动罪</li><li>掌握“两卡”行政处罚的适用</li></ul>",
        "credit_hours": "3",
        "category": "case_study",
        "required": True,
        "due_days": 20,
        "yearly": False,
        "lecturers": [
            ("王志强", "officer", "滨江市公安局刑侦支队反诈中心", "副主任"),
            ("陈立", "judge", "滨江市中级人民法院刑二庭", "审判员"),
        ],
        "rules": [{"role": Role.OFFICER, "unit": "370101"}],
    },
    {
        "slug": "renquan-baozhang",
        "section": "zhifa-guifan",
        "title": "执法办案中的人权保障",
        "summary": "从刑事诉讼法的人权保障条款出发，讲解诉讼权利告知、讯问规范和非法证据排除规则，通过典型案例认识违法取证的法律后果。",
        "objectives": "<ul><li>理解尊重和保障人权的法律要求</li><li>掌握非法证据排除的范围和后果</li></ul>",
        "credit_hours": "2",
        "category": "law",
        "required": True,
        "due_days": None,
        "yearly": True,
        "lecturers": [("刘晓岚", "scholar", "滨江政法学院刑事诉讼法教研室", "教授")],
        "rules": [{"role": Role.LEGAL_OFFICER, "unit": None}],
    },
]

SECTIONS = [
    # slug, title, intro, editor group, trainers in that group
    (
        "zhifa-guifan",
        "执法规范",
        "执法办案流程与规范化建设课程。",
        "课程编辑·执法规范",
        ["trainer1"],
    ),
    (
        "falv-fagui",
        "法律法规",
        "新法新规解读与罪名认定课程。",
        "课程编辑·法律法规",
        ["trainer2"],
    ),
]


def _ensure_articles() -> dict:
    """Return key → casebank Article, creating what the statute library lacks."""
    from casebank.models import Article, ArticleVersion, Law

    found = {}
    for key, (law_name, label, number, sub, text) in ARTICLES.items():
        law = Law.objects.filter(name=law_name).first()
        if law is None:
            law = Law.objects.create(
                name=law_name,
                source_id=f"courses-demo:{law_name}",
                effective_on=LAW_DATES[law_name],
            )
        article = Article.objects.filter(law=law, number=number, sub_number=sub).first()
        if article is None:
            article = Article.objects.create(
                law=law,
                label=label,
                number=number,
                sub_number=sub,
                source_id=f"courses-demo:{law_name}:{label}",
            )
        if not article.versions.exists():
            ArticleVersion.objects.create(
                article=article,
                text=text,
                effective_from=LAW_DATES[law_name],
                source_id=f"courses-demo:{law_name}:{label}",
            )
        found[key] = article
    return found


def _ensure_cases(home: Page, articles: dict) -> dict:
    from casebank.models import CaseIndexPage, CasePage

    index = CaseIndexPage.objects.first()
    if index is None:
        index = CaseIndexPage(title="典型案例库", slug="cases")
        home.add_child(instance=index)
        index.save_revision().publish()
    found = {}
    for source_id, data in CASES.items():
        case = CasePage.objects.filter(source_id=source_id).first()
        if case is None:
            fields = {k: v for k, v in data.items() if k != "articles"}
            case = CasePage(
                slug=source_id.split(":")[1],
                source_id=source_id,
                source="培训示例（虚构）",
                **fields,
            )
            index.add_child(instance=case)
            case.cited_articles.set([articles[key] for key in data["articles"]])
            case.save_revision().publish()
        found[source_id] = case
    return found


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _sections(home: Page) -> tuple[CourseIndexPage, dict[str, CourseIndexPage]]:
    root = catalogue_setup(home)
    sections = {}
    for slug, title, intro, group_name, trainers in SECTIONS:
        section = CourseIndexPage.objects.child_of(root).filter(slug=slug).first()
        if section is None:
            section = CourseIndexPage(title=title, slug=slug, intro=intro)
            root.add_child(instance=section)
            _publish(section)
        group, _ = Group.objects.get_or_create(name=group_name)
        for user in User.objects.filter(username__in=trainers):
            user.groups.add(group)
        services.course_section_publishing_setup(section=section, editor_groups=[group])
        sections[slug] = section
    return root, sections


def _course(
    spec: dict, sections: dict, lessons: list, owner: User | None
) -> CoursePage:
    section = sections[spec["section"]]
    course = CoursePage.objects.filter(slug=spec["slug"]).first()
    if course is not None:
        return course
    due = (
        timezone.localdate() + dt.timedelta(days=spec["due_days"])
        if spec["due_days"]
        else None
    )
    course = CoursePage(
        title=spec["title"],
        slug=spec["slug"],
        summary=spec["summary"],
        objectives=spec["objectives"],
        credit_hours=Decimal(spec["credit_hours"]),
        category=spec["category"],
        required=spec["required"],
        due_date=due,
        yearly=spec["yearly"],
        owner=owner,
    )
    for name, kind, affiliation, title in spec["lecturers"]:
        course.lecturers.add(
            CourseLecturer(name=name, kind=kind, affiliation=affiliation, title=title)
        )
    for rule in spec["rules"]:
        unit = Unit.objects.filter(code=rule["unit"]).first() if rule["unit"] else None
        course.audience_rules.add(
            CourseAudienceRule(role=rule["role"], unit=unit, include_subunits=True)
        )
    section.add_child(instance=course)
    _publish(course)
    for slug, title, minutes, body in lessons:
        lesson = LessonPage(
            title=title, slug=slug, estimated_minutes=minutes, body=body, owner=owner
        )
        course.add_child(instance=lesson)
        _publish(lesson)
    return course


def _pre_meeting(command: Any) -> int:
    unit = Unit.objects.filter(code="370101").first()
    leader = User.objects.filter(username="leader1").first()
    presenter = User.objects.filter(username="legal1").first()
    if unit is None or leader is None:
        return 0
    today = timezone.localdate()
    year = today.year
    sessions = [
        (
            f"{year}年第1次局党委会",
            dt.date(year, 1, 15),
            "学习《中华人民共和国行政处罚法》“首违不罚”条款",
            "《中华人民共和国行政处罚法》第三十三条",
            "attended",
        ),
        (
            f"{year}年第2次局党委会",
            dt.date(year, 3, 12),
            "学习《中华人民共和国反电信网络诈骗法》",
            "《中华人民共和国反电信网络诈骗法》第二条\n《中华人民共和国反电信网络诈骗法》第三十八条",
            "attended",
        ),
        (
            f"{year}年第3次局务会",
            dt.date(year, 5, 20),
            "学习刑事诉讼法受案立案条款",
            "《中华人民共和国刑事诉讼法》第一百一十条\n《中华人民共和国刑事诉讼法》第一百一十二条",
            "absent",
        ),
        (
            f"{year}年第4次局党委会",
            dt.date(year, 7, 8),
            "学习非法证据排除规则",
            "《中华人民共和国刑事诉讼法》第五十六条",
            "attended",
        ),
        (
            f"{year}年第5次局党委会",
            min(today + dt.timedelta(days=3), dt.date(year, 12, 31)),
            "学习《公安机关办理刑事案件程序规定》立案审查条款",
            "《公安机关办理刑事案件程序规定》第一百七十八条",
            "invited",
        ),
    ]
    for meeting, held_on, topic, statutes, status in sessions:
        session, _ = PreMeetingStudySession.objects.get_or_create(
            unit=unit,
            meeting=meeting,
            defaults={
                "held_on": held_on,
                "topic": topic,
                "statutes": statutes,
                "presenter": presenter,
            },
        )
        attendance, _ = PreMeetingAttendance.objects.get_or_create(
            session=session, user=leader
        )
        if attendance.status != AttendanceStatus.INVITED:
            continue
        if status == "attended" and held_on <= today and presenter is not None:
            # The unit's legal officer, who presents, records the attendance.
            services.pre_meeting_attendance_confirm(
                session=session, user=leader, actor=presenter
            )
        elif status == "absent" and held_on <= today:
            services.pre_meeting_absence_record(
                session=session,
                user=leader,
                reason="带队参加全省专项行动部署会",
                actor=leader,
            )
    return len(sessions)


def _study(user: User, lesson) -> None:
    """Demo only: the learner's minimum study time, as heartbeats a minute apart in the
    past (the last counted moment is moved back a minute before each one)."""
    needed = services.lesson_min_engaged_seconds(lesson)
    progress = LessonProgress.objects.get(user=user, lesson=lesson)
    while progress.seconds_spent < needed:
        LessonProgress.objects.filter(user=user).update(
            beat_at=timezone.now()
            - dt.timedelta(seconds=services.HEARTBEAT_MAX_SECONDS)
        )
        progress = services.lesson_heartbeat(
            user=user, lesson=lesson, seconds=services.HEARTBEAT_MAX_SECONDS
        )


def _progress(courses: dict[str, CoursePage]) -> None:
    """officer1 has completed 受案立案规范; officer2 is half-way through it."""
    course = courses["shouan-lian-guifan"]
    for username, lessons_to_do in (("officer1", None), ("officer2", 1)):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        for lesson in list(course.lessons().specific())[:lessons_to_do]:
            services.lesson_open(user=user, lesson=lesson)
            _study(user, lesson)
            for block in lesson.blocks_of("practice"):
                right = [
                    i for i, c in enumerate(block.value["choices"]) if c["correct"]
                ]
                services.practice_answer(
                    user=user, lesson=lesson, block_id=block.id, choices=right
                )


DEMO_VIDEO_TITLE = "演示：执法办案要点（幻灯片视频）"
DEMO_VIDEO_LINES = [
    "执法办案要点",
    "一、依法受案，一律登记",
    "二、全面客观收集证据",
    "三、严格规范强制措施",
]


def _demo_video_block() -> dict | None:
    """A video block with a slide video made by ffmpeg from text (``demo_video``), and
    its transcript (the captions track); None without ffmpeg."""
    from django.core.files.base import ContentFile

    from wagtail.documents import get_document_model

    from .demo_video import slide_video

    Document = get_document_model()
    document = Document.objects.filter(title=DEMO_VIDEO_TITLE).first()
    if document is None:
        data = slide_video(DEMO_VIDEO_LINES)
        if data is None:
            return None
        document = Document(title=DEMO_VIDEO_TITLE)
        document.file.save("demo-slides.mp4", ContentFile(data), save=True)
    return {
        "type": "video",
        "value": {
            "title": "讲解视频：执法办案要点",
            "video": document.pk,
            "transcript": "。".join(DEMO_VIDEO_LINES) + "。",
        },
    }


@transaction.atomic
def seed(command: Any = None) -> None:
    """Create the demo courses, sections, workflow, sessions and progress (idempotent)."""
    site = Site.objects.filter(is_default_site=True).first()
    home = site.root_page if site else Page.objects.get(depth=1)
    articles = _ensure_articles()
    cases = _ensure_cases(home, articles)
    _, sections = _sections(home)
    owner = User.objects.filter(username="trainer1").first()
    lessons = _lessons(articles, cases)
    video = _demo_video_block()
    if video is not None:
        # The second course's first lesson plays a generated slide video (the first
        # course's lessons are completed by the demo people without watching).
        slug, title, minutes, blocks = lessons[COURSES[1]["slug"]][0]
        lessons[COURSES[1]["slug"]][0] = (
            slug,
            title,
            minutes,
            [blocks[0], video, *blocks[1:]],
        )
    courses = {
        spec["slug"]: _course(spec, sections, lessons[spec["slug"]], owner)
        for spec in COURSES
    }
    for course in courses.values():
        services.course_assignments_sync(course=course)
    _progress(courses)
    sessions = _pre_meeting(command)
    if command is not None:
        command.stdout.write(
            f"  courses: {len(courses)}, 会前学法 sessions: {sessions}"
        )
