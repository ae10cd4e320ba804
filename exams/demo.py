"""Demo question bank, one practice set and one qualification-style exam.

The questions are generated from structured facts written here, each checked against the
statute texts in ../shared/data/laws (刑法 as amended through 修正案十二, 刑事诉讼法 2018,
治安管理处罚法 2012 text, 行政处罚法 2021, 人民警察法 2012). Every question cites the
article it tests; a later amendment of that article flags the question for review.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

ORDER = 30
SEED = 20260101

# (charge, article number, sub number, topic, conduct) — 刑法分则.
CHARGES = [
    (
        "交通肇事罪",
        133,
        0,
        "危害公共安全犯罪",
        "违反交通运输管理法规，因而发生重大事故，致人重伤、死亡或者使公私财产遭受重大损失",
    ),
    ("危险驾驶罪", 133, 1, "危害公共安全犯罪", "在道路上醉酒驾驶机动车"),
    ("故意杀人罪", 232, 0, "侵犯人身权利犯罪", "故意非法剥夺他人生命"),
    ("过失致人死亡罪", 233, 0, "侵犯人身权利犯罪", "因过失致使他人死亡"),
    ("故意伤害罪", 234, 0, "侵犯人身权利犯罪", "故意伤害他人身体"),
    (
        "非法拘禁罪",
        238,
        0,
        "侵犯人身权利犯罪",
        "非法拘禁他人或者以其他方法非法剥夺他人人身自由",
    ),
    (
        "绑架罪",
        239,
        0,
        "侵犯人身权利犯罪",
        "以勒索财物为目的绑架他人，或者绑架他人作为人质",
    ),
    (
        "拐卖妇女、儿童罪",
        240,
        0,
        "侵犯人身权利犯罪",
        "以出卖为目的，拐骗、绑架、收买、贩卖、接送、中转妇女、儿童",
    ),
    (
        "刑讯逼供罪",
        247,
        0,
        "侵犯人身权利犯罪",
        "司法工作人员对犯罪嫌疑人、被告人实行刑讯逼供",
    ),
    ("抢劫罪", 263, 0, "侵犯财产犯罪", "以暴力、胁迫或者其他方法抢劫公私财物"),
    (
        "盗窃罪",
        264,
        0,
        "侵犯财产犯罪",
        "盗窃公私财物数额较大，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃",
    ),
    (
        "诈骗罪",
        266,
        0,
        "侵犯财产犯罪",
        "以非法占有为目的，虚构事实、隐瞒真相，骗取公私财物，数额较大",
    ),
    ("抢夺罪", 267, 0, "侵犯财产犯罪", "抢夺公私财物，数额较大，或者多次抢夺"),
    (
        "侵占罪",
        270,
        0,
        "侵犯财产犯罪",
        "将代为保管的他人财物非法占为己有，数额较大，拒不退还",
    ),
    (
        "敲诈勒索罪",
        274,
        0,
        "侵犯财产犯罪",
        "以威胁或者要挟的方法，强行索取公私财物，数额较大或者多次敲诈勒索",
    ),
    (
        "故意毁坏财物罪",
        275,
        0,
        "侵犯财产犯罪",
        "故意毁坏公私财物，数额较大或者有其他严重情节",
    ),
    (
        "妨害公务罪",
        277,
        0,
        "妨害社会管理秩序犯罪",
        "以暴力、威胁方法阻碍国家机关工作人员依法执行职务",
    ),
    (
        "寻衅滋事罪",
        293,
        0,
        "妨害社会管理秩序犯罪",
        "随意殴打他人，情节恶劣，破坏社会秩序",
    ),
    ("赌博罪", 303, 0, "妨害社会管理秩序犯罪", "以营利为目的，聚众赌博或者以赌博为业"),
    (
        "非法持有毒品罪",
        348,
        0,
        "妨害社会管理秩序犯罪",
        "非法持有海洛因或者甲基苯丙胺十克以上",
    ),
    ("容留他人吸毒罪", 354, 0, "妨害社会管理秩序犯罪", "容留他人吸食、注射毒品"),
    (
        "贪污罪",
        382,
        0,
        "贪污贿赂与渎职犯罪",
        "国家工作人员利用职务上的便利，侵吞、窃取、骗取或者以其他手段非法占有公共财物",
    ),
    (
        "挪用公款罪",
        384,
        0,
        "贪污贿赂与渎职犯罪",
        "国家工作人员利用职务上的便利，挪用公款归个人使用，进行非法活动",
    ),
    (
        "受贿罪",
        385,
        0,
        "贪污贿赂与渎职犯罪",
        "国家工作人员利用职务上的便利，索取他人财物，或者非法收受他人财物为他人谋取利益",
    ),
]

# (law, article, sub, subject, topic, question with ____, value, unit, distractor values, source phrase)
NUMBERS = [
    (
        "刑事诉讼法",
        85,
        0,
        "刑事诉讼法",
        "强制措施",
        "公安机关拘留人后，应当立即将被拘留人送看守所羁押，至迟不得超过____小时。",
        24,
        "小时",
        [12, 48, 72],
    ),
    (
        "刑事诉讼法",
        85,
        0,
        "刑事诉讼法",
        "强制措施",
        "除无法通知等法定情形外，公安机关应当在拘留后____小时以内通知被拘留人的家属。",
        24,
        "小时",
        [12, 48, 72],
    ),
    (
        "刑事诉讼法",
        86,
        0,
        "刑事诉讼法",
        "强制措施",
        "公安机关对被拘留的人，应当在拘留后的____小时以内进行讯问。",
        24,
        "小时",
        [8, 12, 48],
    ),
    (
        "刑事诉讼法",
        91,
        0,
        "刑事诉讼法",
        "强制措施",
        "公安机关对被拘留的人认为需要逮捕的，应当在拘留后的____日以内提请人民检察院审查批准。",
        3,
        "日",
        [1, 7, 10],
    ),
    (
        "刑事诉讼法",
        91,
        0,
        "刑事诉讼法",
        "强制措施",
        "对于流窜作案、多次作案、结伙作案的重大嫌疑分子，提请审查批准逮捕的时间可以延长至____日。",
        30,
        "日",
        [7, 15, 37],
    ),
    (
        "刑事诉讼法",
        91,
        0,
        "刑事诉讼法",
        "强制措施",
        "人民检察院应当自接到公安机关提请批准逮捕书后的____日以内，作出批准逮捕或者不批准逮捕的决定。",
        7,
        "日",
        [3, 10, 15],
    ),
    (
        "刑事诉讼法",
        119,
        0,
        "刑事诉讼法",
        "侦查措施",
        "传唤、拘传犯罪嫌疑人，持续的时间一般不得超过____小时。",
        12,
        "小时",
        [8, 24, 48],
    ),
    (
        "刑事诉讼法",
        119,
        0,
        "刑事诉讼法",
        "侦查措施",
        "案情特别重大、复杂，需要采取拘留、逮捕措施的，传唤、拘传持续的时间不得超过____小时。",
        24,
        "小时",
        [12, 36, 48],
    ),
    (
        "刑事诉讼法",
        79,
        0,
        "刑事诉讼法",
        "强制措施",
        "取保候审最长不得超过____个月。",
        12,
        "个月",
        [3, 6, 24],
    ),
    (
        "刑事诉讼法",
        79,
        0,
        "刑事诉讼法",
        "强制措施",
        "监视居住最长不得超过____个月。",
        6,
        "个月",
        [3, 9, 12],
    ),
    (
        "治安管理处罚法",
        83,
        0,
        "治安管理处罚法",
        "办案程序",
        "对违反治安管理行为人，公安机关传唤后询问查证的时间一般不得超过____小时。",
        8,
        "小时",
        [4, 12, 24],
    ),
    (
        "治安管理处罚法",
        83,
        0,
        "治安管理处罚法",
        "办案程序",
        "情况复杂，依法可能适用行政拘留处罚的，询问查证的时间不得超过____小时。",
        24,
        "小时",
        [8, 12, 48],
    ),
    (
        "治安管理处罚法",
        16,
        0,
        "治安管理处罚法",
        "处罚的种类和适用",
        "有两种以上违反治安管理行为的，分别决定，合并执行；行政拘留处罚合并执行的，最长不超过____日。",
        20,
        "日",
        [15, 30, 10],
    ),
    (
        "治安管理处罚法",
        91,
        0,
        "治安管理处罚法",
        "办案程序",
        "治安管理处罚中，警告、____元以下的罚款可以由公安派出所决定。",
        500,
        "元",
        [200, 1000, 2000],
    ),
    (
        "治安管理处罚法",
        12,
        0,
        "治安管理处罚法",
        "处罚的种类和适用",
        "不满____周岁的人违反治安管理的，不予处罚，但是应当责令其监护人严加管教。",
        14,
        "周岁",
        [12, 16, 18],
    ),
    (
        "人民警察法",
        9,
        0,
        "人民警察法",
        "职权",
        "对被盘问人的留置时间，自带至公安机关之时起不超过____小时。",
        24,
        "小时",
        [8, 12, 48],
    ),
    (
        "人民警察法",
        9,
        0,
        "人民警察法",
        "职权",
        "在特殊情况下，经县级以上公安机关批准，继续盘问的留置时间可以延长至____小时。",
        48,
        "小时",
        [24, 36, 72],
    ),
    (
        "行政处罚法",
        36,
        0,
        "行政处罚法",
        "总则与程序",
        "违法行为在____年内未被发现的，不再给予行政处罚（法律另有规定的除外）。",
        2,
        "年",
        [1, 3, 5],
    ),
    (
        "行政处罚法",
        51,
        0,
        "行政处罚法",
        "总则与程序",
        "违法事实确凿并有法定依据，对公民处以____元以下罚款或者警告的，可以当场作出行政处罚决定。",
        200,
        "元",
        [50, 500, 1000],
    ),
    (
        "行政处罚法",
        51,
        0,
        "行政处罚法",
        "总则与程序",
        "违法事实确凿并有法定依据，对法人或者其他组织处以____元以下罚款或者警告的，可以当场作出行政处罚决定。",
        3000,
        "元",
        [1000, 5000, 10000],
    ),
    (
        "行政处罚法",
        64,
        0,
        "行政处罚法",
        "总则与程序",
        "当事人要求听证的，应当在行政机关告知后____日内提出。",
        5,
        "日",
        [3, 7, 15],
    ),
    (
        "刑法",
        17,
        0,
        "刑法",
        "刑法总则",
        "已满____周岁的人犯罪，应当负刑事责任。",
        16,
        "周岁",
        [14, 18, 12],
    ),
]

# (law, article, sub, subject, topic, stem, correct items, wrong items)
LISTS = [
    (
        "刑事诉讼法",
        66,
        0,
        "刑事诉讼法",
        "强制措施",
        "根据刑事诉讼法第六十六条，公安机关根据案件情况，对犯罪嫌疑人可以采取的强制措施有",
        ["拘传", "取保候审", "监视居住"],
        ["行政拘留", "责令具结悔过"],
    ),
    (
        "治安管理处罚法",
        10,
        0,
        "治安管理处罚法",
        "处罚的种类和适用",
        "治安管理处罚的种类包括",
        ["警告", "罚款", "行政拘留", "吊销公安机关发放的许可证"],
        ["没收财产", "管制"],
    ),
    (
        "行政处罚法",
        9,
        0,
        "行政处罚法",
        "总则与程序",
        "根据行政处罚法，下列属于行政处罚种类的有",
        ["通报批评", "没收违法所得", "降低资质等级", "限制从业"],
        ["记过", "拘役"],
    ),
    (
        "治安管理处罚法",
        21,
        0,
        "治安管理处罚法",
        "处罚的种类和适用",
        "依法应当给予行政拘留处罚，但不执行行政拘留处罚的情形有",
        [
            "已满十四周岁不满十六周岁的",
            "已满十六周岁不满十八周岁，初次违反治安管理的",
            "七十周岁以上的",
            "怀孕或者哺乳自己不满一周岁婴儿的",
        ],
        ["六十周岁以上不满七十周岁的", "已满十六周岁不满十八周岁，多次违反治安管理的"],
    ),
    (
        "治安管理处罚法",
        19,
        0,
        "治安管理处罚法",
        "处罚的种类和适用",
        "违反治安管理有下列情形，应当减轻处罚或者不予处罚的有",
        [
            "情节特别轻微的",
            "出于他人胁迫或者诱骗的",
            "主动投案，向公安机关如实陈述自己的违法行为的",
            "有立功表现的",
        ],
        ["家庭经济困难的", "系初次到本地务工的"],
    ),
    (
        "刑事诉讼法",
        82,
        0,
        "刑事诉讼法",
        "强制措施",
        "公安机关对于现行犯或者重大嫌疑分子，可以先行拘留的情形有",
        [
            "正在预备犯罪、实行犯罪或者在犯罪后即时被发觉的",
            "被害人或者在场亲眼看见的人指认他犯罪的",
            "不讲真实姓名、住址，身份不明的",
            "有流窜作案、多次作案、结伙作案重大嫌疑的",
        ],
        ["有固定住所且主动到案说明情况的", "拒不缴纳治安罚款的"],
    ),
    (
        "刑事诉讼法",
        81,
        0,
        "刑事诉讼法",
        "强制措施",
        "采取取保候审尚不足以防止发生下列社会危险性，应当予以逮捕的情形有",
        [
            "可能实施新的犯罪的",
            "可能毁灭、伪造证据，干扰证人作证或者串供的",
            "可能对被害人、举报人、控告人实施打击报复的",
            "企图自杀或者逃跑的",
        ],
        ["系初犯、偶犯的", "已赔偿被害人损失的"],
    ),
    (
        "刑法",
        263,
        0,
        "刑法",
        "侵犯财产犯罪",
        "根据刑法第二百六十三条，抢劫公私财物，处十年以上有期徒刑、无期徒刑或者死刑的情形有",
        ["入户抢劫的", "在公共交通工具上抢劫的", "冒充军警人员抢劫的", "持枪抢劫的"],
        ["在夜间抢劫的", "抢劫近亲属财物的"],
    ),
    (
        "刑法",
        264,
        0,
        "刑法",
        "侵犯财产犯罪",
        "根据刑法第二百六十四条，不论数额大小，下列行为可以构成盗窃罪的有",
        ["多次盗窃", "入户盗窃", "携带凶器盗窃", "扒窃"],
        ["在夜间盗窃", "盗窃近亲属财物"],
    ),
    (
        "人民警察法",
        9,
        0,
        "人民警察法",
        "职权",
        "经当场盘问、检查，可以将其带至公安机关继续盘问的情形有",
        [
            "被指控有犯罪行为的",
            "有现场作案嫌疑的",
            "有作案嫌疑身份不明的",
            "携带的物品有可能是赃物的",
        ],
        ["拒绝接受交通安全宣传的", "在公共场所大声喧哗的"],
    ),
    (
        "刑法",
        133,
        1,
        "刑法",
        "危害公共安全犯罪",
        "在道路上驾驶机动车，构成危险驾驶罪的情形有",
        [
            "追逐竞驶，情节恶劣的",
            "醉酒驾驶机动车的",
            "从事校车业务或者旅客运输，严重超过额定乘员载客的",
            "违反危险化学品安全管理规定运输危险化学品，危及公共安全的",
        ],
        ["饮酒后（未达醉酒）驾驶机动车的", "驾驶证被暂扣期间驾驶机动车的"],
    ),
    (
        "刑法",
        17,
        0,
        "刑法",
        "刑法总则",
        "已满十四周岁不满十六周岁的人，犯下列哪些罪应当负刑事责任",
        ["故意杀人罪", "抢劫罪", "贩卖毒品罪", "放火罪"],
        ["盗窃罪", "诈骗罪"],
    ),
    (
        "行政处罚法",
        63,
        0,
        "行政处罚法",
        "总则与程序",
        "行政机关拟作出下列行政处罚决定，应当告知当事人有要求听证权利的有",
        ["较大数额罚款", "吊销许可证件", "责令停产停业", "降低资质等级"],
        ["警告", "通报批评"],
    ),
    (
        "治安管理处罚法",
        26,
        0,
        "治安管理处罚法",
        "违反治安管理的行为",
        "根据治安管理处罚法第二十六条，属于寻衅滋事违反治安管理行为的有",
        ["结伙斗殴的", "追逐、拦截他人的", "强拿硬要或者任意损毁、占用公私财物的"],
        ["偷窥他人隐私的", "冒用他人身份证件的"],
    ),
    (
        "治安管理处罚法",
        42,
        0,
        "治安管理处罚法",
        "违反治安管理的行为",
        "根据治安管理处罚法第四十二条，应予处罚的侵犯人身权利行为有",
        [
            "写恐吓信或者以其他方法威胁他人人身安全的",
            "公然侮辱他人或者捏造事实诽谤他人的",
            "偷窥、偷拍、窃听、散布他人隐私的",
        ],
        ["结伙斗殴的", "扰乱公共汽车上秩序的"],
    ),
    (
        "刑法",
        20,
        0,
        "刑法",
        "刑法总则",
        "对正在进行的下列哪些暴力犯罪采取防卫行为，造成不法侵害人伤亡的，不属于防卫过当",
        ["行凶", "杀人", "抢劫", "绑架"],
        ["盗窃", "诈骗"],
    ),
]

# Case analyses: (slug, material, charge question options, correct option, rubric, articles, analysis)
CASES = [
    (
        "入户盗窃",
        "2026年3月某日凌晨，无业人员王某撬开邻居李某家的窗户进入室内，窃得手机一部（价值1800元）后离开。"
        "经查，当地盗窃罪“数额较大”的起点为2000元。",
        ["盗窃罪", "侵占罪", "抢夺罪", "不构成犯罪，只能给予治安管理处罚"],
        0,
        [
            ("指出入户盗窃不以数额较大为要件", 2),
            ("指出王某以非法占有为目的秘密窃取他人财物", 2),
            ("引用刑法第二百六十四条", 1),
        ],
        ["刑法第二百六十四条"],
        "入户盗窃是刑法第二百六十四条规定的独立入罪情形，不要求数额较大。",
    ),
    (
        "转化抢劫",
        "赵某在超市盗窃两瓶白酒，出门时被保安发现并追赶。赵某为抗拒抓捕，当场用拳头将保安打倒后逃跑，保安轻微伤。",
        ["盗窃罪", "抢劫罪", "故意伤害罪", "寻衅滋事罪"],
        1,
        [
            ("指出赵某犯盗窃后为抗拒抓捕当场使用暴力", 2),
            ("依照刑法第二百六十九条以抢劫罪定罪处罚", 2),
            ("说明暴力系当场实施，目的在于抗拒抓捕", 1),
        ],
        ["刑法第二百六十九条", "刑法第二百六十三条"],
        "刑法第二百六十九条：犯盗窃罪，为抗拒抓捕当场使用暴力的，依照第二百六十三条抢劫罪定罪处罚。",
    ),
    (
        "醉酒驾驶",
        "交警在夜查中拦停孙某驾驶的小型汽车，经检验其血液酒精含量为120mg/100ml，未发生事故。",
        ["交通肇事罪", "危险驾驶罪", "以危险方法危害公共安全罪", "不构成犯罪"],
        1,
        [
            ("指出血液酒精含量达到80mg/100ml以上属于醉酒驾驶", 2),
            ("指出醉酒驾驶机动车构成危险驾驶罪，不以发生事故为要件", 2),
            ("引用刑法第一百三十三条之一", 1),
        ],
        ["刑法第一百三十三条之一"],
        "醉酒驾驶机动车的，依照刑法第一百三十三条之一以危险驾驶罪处拘役，并处罚金。",
    ),
    (
        "殴打他人",
        "周某与邻居吴某因停车发生争执，周某打了吴某两拳，经鉴定吴某构成轻微伤。周某此前无违法犯罪记录。",
        ["故意伤害罪", "寻衅滋事罪", "违反治安管理的殴打他人行为", "不构成违法"],
        2,
        [
            ("指出轻微伤未达到故意伤害罪轻伤的入罪标准", 2),
            (
                "依照治安管理处罚法第四十三条处五日以上十日以下拘留，并处二百元以上五百元以下罚款",
                2,
            ),
            ("说明可以依法调解处理", 1),
        ],
        ["治安管理处罚法第四十三条"],
        "殴打他人致轻微伤，属于治安管理处罚法第四十三条规定的违反治安管理行为（依据2012年修正文本）。",
    ),
    (
        "代为保管",
        "郑某受朋友冯某委托保管其笔记本电脑（价值8000元），后郑某将电脑据为己有，冯某多次索要，郑某拒不退还。冯某向法院提起自诉。",
        ["盗窃罪", "诈骗罪", "侵占罪", "职务侵占罪"],
        2,
        [
            ("指出郑某将代为保管的他人财物非法占为己有，数额较大，拒不退还", 2),
            ("指出侵占罪告诉的才处理", 2),
            ("引用刑法第二百七十条", 1),
        ],
        ["刑法第二百七十条"],
        "侵占罪以代为保管他人财物、拒不退还为要件，告诉的才处理。",
    ),
    (
        "要挟索财",
        "陈某偷拍到同事褚某的隐私照片，以“不给五万元就发到网上”相要挟，褚某被迫转账五万元。",
        ["敲诈勒索罪", "抢劫罪", "诈骗罪", "侮辱罪"],
        0,
        [
            ("指出陈某以要挟方法强行索取他人财物", 2),
            ("指出数额达到较大标准，构成敲诈勒索罪", 2),
            ("引用刑法第二百七十四条", 1),
        ],
        ["刑法第二百七十四条"],
        "以要挟方法迫使他人交付财物的，构成敲诈勒索罪；不具有当场使用暴力的特征，不构成抢劫罪。",
    ),
    (
        "携带凶器抢夺",
        "卫某身藏匕首，在街头趁蒋某不备夺走其挎包（内有现金3000元）后逃离，整个过程未亮出匕首。",
        ["抢夺罪", "抢劫罪", "盗窃罪", "寻衅滋事罪"],
        1,
        [
            ("指出卫某携带凶器抢夺", 2),
            ("依照刑法第二百六十七条第二款，以抢劫罪定罪处罚", 2),
            ("说明不要求使用或者显示凶器", 1),
        ],
        ["刑法第二百六十七条", "刑法第二百六十三条"],
        "携带凶器抢夺的，依照刑法第二百六十三条的规定以抢劫罪定罪处罚。",
    ),
    (
        "正当防卫",
        "深夜，沈某持刀闯入韩某家中抢劫，韩某在搏斗中夺刀将沈某刺成重伤。",
        [
            "韩某构成故意伤害罪",
            "韩某属于防卫过当",
            "韩某属于正当防卫，不负刑事责任",
            "韩某属于紧急避险",
        ],
        2,
        [
            ("指出沈某的行为是正在进行的抢劫等严重危及人身安全的暴力犯罪", 2),
            ("依照刑法第二十条第三款，造成不法侵害人伤亡的不属于防卫过当", 2),
            ("说明韩某不负刑事责任", 1),
        ],
        ["刑法第二十条"],
        "对正在进行的抢劫等严重危及人身安全的暴力犯罪采取防卫行为，造成不法侵害人伤亡的，不属于防卫过当。",
    ),
]

LAW_FULL = {
    "刑法": "刑法",
    "刑事诉讼法": "刑事诉讼法",
    "治安管理处罚法": "治安管理处罚法",
    "行政处罚法": "行政处罚法",
    "人民警察法": "人民警察法",
}
CN_DIGITS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    from casebank.references import int_to_chinese

    return int_to_chinese(n)


def article_ref(law: str, number: int, sub: int = 0) -> str:
    return f"{law}第{_cn(number)}条" + ("之一" if sub == 1 else "")


def _level(difficulty: int) -> str:
    return (
        "basic"
        if difficulty <= 2
        else ("intermediate" if difficulty == 3 else "advanced")
    )


def _options(
    rng: random.Random, correct: list[str], wrong: list[str]
) -> tuple[list[dict], list[str]]:
    items = [(t, True) for t in correct] + [(t, False) for t in wrong]
    rng.shuffle(items)
    options = [{"key": "ABCDEF"[i], "text": t} for i, (t, _ok) in enumerate(items)]
    answer = [o["key"] for o, (_t, ok) in zip(options, items, strict=True) if ok]
    return options, answer


def build_questions() -> list[dict[str, Any]]:
    """Return the demo questions as dicts for ``question_create`` (plus ``key`` and category)."""
    rng = random.Random(SEED)  # noqa: S311 - deterministic demo content, not security
    out: list[dict[str, Any]] = []

    def add(key, subject, topic, qtype, difficulty, content, refs, tags=()):
        out.append(
            {
                "key": f"demo:{key}",
                "subject": subject,
                "topic": topic,
                "qtype": qtype,
                "difficulty": difficulty,
                "content": content,
                "refs": refs,
                "tags": list(tags),
            }
        )

    names = [c[0] for c in CHARGES]
    for charge, number, sub, topic, conduct in CHARGES:
        ref = article_ref("刑法", number, sub)
        label = f"第{_cn(number)}条" + ("之一" if sub else "")
        wrong = rng.sample([n for n in names if n != charge], 3)
        options, answer = _options(rng, [charge], wrong)
        add(
            f"charge-single-{charge}",
            "刑法",
            topic,
            "single",
            2,
            {
                "stem": f"根据《刑法》{label}，{conduct}的，构成何罪？",
                "options": options,
                "answer": answer,
                "analysis": f"《刑法》{label}规定了{charge}。",
            },
            [ref],
            ["罪名"],
        )
        add(
            f"charge-tf-true-{charge}",
            "刑法",
            topic,
            "truefalse",
            1,
            {
                "stem": f"{charge}规定在《刑法》{label}。",
                "options": [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}],
                "answer": ["T"],
                "analysis": f"正确。《刑法》{label}规定了{charge}。",
            },
            [ref],
            ["罪名"],
        )
        other = rng.choice([c for c in CHARGES if c[1] != number])
        other_label = f"第{_cn(other[1])}条" + ("之一" if other[2] else "")
        add(
            f"charge-tf-false-{charge}",
            "刑法",
            topic,
            "truefalse",
            2,
            {
                "stem": f"{charge}规定在《刑法》{other_label}。",
                "options": [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}],
                "answer": ["F"],
                "analysis": f"错误。{charge}规定在《刑法》{label}；{other_label}规定的是{other[0]}。",
            },
            [ref],
            ["罪名"],
        )
        accepted = (
            [str(number), _cn(number)]
            if not sub
            else [f"{number}条之一", f"{_cn(number)}条之一"]
        )
        blank = (
            "《刑法》第____条规定了" + charge + "。"
            if not sub
            else "《刑法》第____规定了" + charge + "（填写“X条之一”）。"
        )
        add(
            f"charge-fill-{charge}",
            "刑法",
            topic,
            "fillin",
            3,
            {
                "stem": blank,
                "answer": [accepted],
                "analysis": f"{charge}规定在《刑法》{label}。",
            },
            [ref],
            ["罪名", "法条"],
        )

    for i, (
        law,
        number,
        sub,
        subject,
        topic,
        text,
        value,
        unit,
        distractors,
    ) in enumerate(NUMBERS):
        ref = article_ref(LAW_FULL[law], number, sub)
        note = "（依据2012年修正文本）" if law == "治安管理处罚法" else ""
        stem_single = text.replace("____", "（  ）")
        options, answer = _options(
            rng, [f"{value}{unit}"], [f"{d}{unit}" for d in distractors]
        )
        analysis = (
            f"《{law}》第{_cn(number)}条：{text.replace('____', str(value))}{note}"
        )
        add(
            f"num-single-{i}",
            subject,
            topic,
            "single",
            2,
            {
                "stem": stem_single,
                "options": options,
                "answer": answer,
                "analysis": analysis,
            },
            [ref],
            ["时限"],
        )
        cn_value = _cn(value) if value < 10000 else str(value)
        add(
            f"num-fill-{i}",
            subject,
            topic,
            "fillin",
            3,
            {"stem": text, "answer": [[str(value), cn_value]], "analysis": analysis},
            [ref],
            ["时限"],
        )
        truthful = i % 2 == 0
        shown = value if truthful else distractors[0]
        add(
            f"num-tf-{i}",
            subject,
            topic,
            "truefalse",
            2 if truthful else 3,
            {
                "stem": text.replace("____", str(shown)),
                "options": [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}],
                "answer": ["T" if truthful else "F"],
                "analysis": ("正确。" if truthful else f"错误，应为{value}{unit}。")
                + analysis,
            },
            [ref],
            ["时限"],
        )

    for i, (law, number, sub, subject, topic, stem, correct, wrong) in enumerate(LISTS):
        ref = article_ref(LAW_FULL[law], number, sub)
        note = "（依据2012年修正文本）" if law == "治安管理处罚法" else ""
        picked = rng.sample(
            correct, min(len(correct), 4 if len(correct) >= 4 else len(correct))
        )
        options, answer = _options(rng, picked[:4], wrong[: 6 - len(picked[:4])][:2])
        add(
            f"list-multiple-{i}",
            subject,
            topic,
            "multiple",
            3,
            {
                "stem": f"{stem}（　）。",
                "options": options,
                "answer": answer,
                "analysis": f"依据《{law}》第{_cn(number)}条{note}：{'、'.join(correct)}。",
            },
            [ref],
            ["列举"],
        )
        # 不定项: one to three correct among four options.
        k = 1 + i % 3
        chosen = rng.sample(correct, min(k, len(correct)))
        options, answer = _options(
            rng, chosen, wrong[: 4 - len(chosen)] if len(chosen) < 4 else []
        )
        if len(options) < 4:
            options, answer = _options(rng, chosen, wrong[:2])
        add(
            f"list-indeterminate-{i}",
            subject,
            topic,
            "indeterminate",
            4,
            {
                "stem": f"{stem}（　）。（不定项）",
                "options": options,
                "answer": answer,
                "analysis": f"依据《{law}》第{_cn(number)}条{note}，正确选项为：{'、'.join(chosen)}。",
            },
            [ref],
            ["列举"],
        )

    for slug, material, choices, correct, rubric, refs, analysis in CASES:
        options = [{"key": "ABCD"[i], "text": t} for i, t in enumerate(choices)]
        total = sum(p for _, p in rubric)
        add(
            f"case-{slug}",
            "案例分析",
            "综合案例",
            "case",
            4,
            {
                "stem": "阅读案例材料，回答下列问题。",
                "material": material,
                "analysis": analysis,
                "parts": [
                    {
                        "key": "1",
                        "kind": "single",
                        "stem": "对本案行为的定性，正确的是",
                        "options": options,
                        "answer": ["ABCD"[correct]],
                        "weight": 2,
                    },
                    {
                        "key": "2",
                        "kind": "essay",
                        "stem": "请结合法律规定说明理由。",
                        "weight": total,
                        "rubric": [{"text": t, "points": p} for t, p in rubric],
                        "analysis": analysis,
                    },
                ],
            },
            refs,
            ["案例"],
        )
    return out


def _seed_questions(command) -> int:
    from .models import Question
    from .services import category_get_or_create, question_create

    existing = set(
        Question.objects.filter(source="demo").values_list("source_key", flat=True)
    )
    created = 0
    for q in build_questions():
        if q["key"] in existing:
            continue
        question_create(
            category=category_get_or_create(subject=q["subject"], topic=q["topic"]),
            qtype=q["qtype"],
            content=q["content"],
            difficulty=q["difficulty"],
            level=_level(q["difficulty"]),
            tags=q["tags"],
            article_refs=q["refs"],
            source="demo",
            source_key=q["key"],
        )
        created += 1
    return created


def _blueprint(name: str, rows: list[tuple[str | None, str, int, str]]):
    from .models import Blueprint, BlueprintRow, Category

    blueprint, created = Blueprint.objects.get_or_create(name=name)
    if created:
        for i, (subject, qtype, count, points) in enumerate(rows):
            category = (
                Category.objects.get(parent=None, name=subject) if subject else None
            )
            BlueprintRow.objects.create(
                blueprint=blueprint,
                category=category,
                qtype=qtype,
                count=count,
                points=Decimal(points),
                sort_order=i,
            )
    return blueprint


def seed(command: Any = None) -> None:
    from accounts.models import Unit

    from .models import ExamSession
    from .services import session_prepare_attempts, session_sync_assignments

    with transaction.atomic():
        created = _seed_questions(command)
    practice_bp = _blueprint(
        "网上练兵·刑法分则每日一练",
        [
            ("刑法", "single", 5, "10"),
            ("刑法", "truefalse", 3, "10"),
            ("刑法", "multiple", 2, "10"),
        ],
    )
    exam_bp = _blueprint(
        "基本级执法资格考试（模拟）组卷方案",
        [
            (None, "single", 20, "1"),
            (None, "multiple", 10, "2"),
            (None, "truefalse", 10, "1"),
            (None, "indeterminate", 5, "2"),
            (None, "fillin", 5, "2"),
            ("案例分析", "case", 3, "10"),
        ],
    )
    now = timezone.now()
    root = Unit.objects.filter(code="370100").first() or Unit.get_root_nodes().first()
    sessions = [
        (
            "网上练兵·刑法分则每日一练",
            {
                "kind": "practice",
                "blueprint": practice_bp,
                "level": "basic",
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=60),
                "time_limit_minutes": 20,
                "attempts_allowed": 50,
                "review_score": "after_submit",
                "review_answers": "after_submit",
                "pass_mark": Decimal(60),
                "description": "每日练习，交卷后立即显示得分、答案与解析。",
            },
        ),
        (
            "2026年度基本级执法资格考试（模拟）",
            {
                "kind": "exam",
                "blueprint": exam_bp,
                "level": "basic",
                "opens_at": now - timedelta(hours=1),
                "closes_at": now + timedelta(days=14),
                "time_limit_minutes": 90,
                "attempts_allowed": 1,
                "pass_mark": Decimal(60),
                "credit_hours": Decimal(4),
                "issue_certificate": True,
                "review_score": "after_close",
                "review_answers": "after_close",
                "description": "公共科目：刑法、刑事诉讼法、治安管理处罚法、行政处罚法、人民警察法。"
                "案例分析题由阅卷人按评分要点评分。",
            },
        ),
    ]
    for title, fields in sessions:
        session, new = ExamSession.objects.get_or_create(title=title, defaults=fields)
        if new and root is not None:
            session.audience_units.set([root])
            session.audience_roles = ["officer", "legal_officer"]
            session.save(update_fields=["audience_roles"])
            session_sync_assignments(session=session)
            session_prepare_attempts(session=session)
    if command is not None:
        command.stdout.write(
            f"  exams: {created} new questions; {len(sessions)} sessions"
        )
