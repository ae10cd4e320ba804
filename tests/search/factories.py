"""A small legal corpus for search tests: four 刑法 articles, three charges with
elements, and cases (one restricted to a unit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.casebank.factories import (
    ChargeFactory,
    LawFactory,
    LegalElementFactory,
    article_with_text,
    make_case,
)

ARTICLES = {
    264: "盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。",
    266: "诈骗公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。",
    234: "故意伤害他人身体的，处三年以下有期徒刑、拘役或者管制。",
    133: "违反交通运输管理法规，因而发生重大事故，致人重伤、死亡或者使公私财产遭受重大损失的，处三年以下有期徒刑或者拘役。",
}


def legal_corpus(*, restricted_unit: Any = None) -> dict[str, Any]:
    """Create the corpus; return its objects by name."""
    law = LawFactory(name="中华人民共和国刑法", short_name="刑法")
    articles = {n: article_with_text(law, n, text) for n, text in ARTICLES.items()}
    drunk = article_with_text(
        law,
        133,
        "在道路上驾驶机动车，醉酒驾驶机动车的，处拘役，并处罚金。",
        sub_number=1,
    )
    theft = ChargeFactory(name="盗窃罪")
    theft.articles.set([articles[264]])
    theft.save()
    fraud = ChargeFactory(name="诈骗罪")
    fraud.articles.set([articles[266]])
    fraud.save()
    driving = ChargeFactory(name="危险驾驶罪")
    driving.articles.set([drunk])
    driving.save()
    LegalElementFactory(
        charge=theft,
        kind="object",
        title="公私财产所有权",
        facts="侵犯公私财物的所有权",
        evidence_guide="财物权属证明、被害人陈述",
    )
    LegalElementFactory(
        charge=theft,
        kind="objective",
        title="秘密窃取",
        facts="以秘密窃取的方法取得公私财物，数额较大或者入户盗窃",
        evidence_guide="监控录像、现场勘验笔录、价格认定结论书",
    )
    LegalElementFactory(
        charge=theft,
        kind="subject",
        title="一般主体",
        facts="年满十六周岁、具有刑事责任能力",
        evidence_guide="户籍证明",
    )
    LegalElementFactory(
        charge=theft,
        kind="subjective",
        title="直接故意",
        facts="具有非法占有目的",
        evidence_guide="嫌疑人供述、销赃记录",
    )
    LegalElementFactory(
        charge=driving,
        kind="objective",
        title="醉酒驾驶",
        facts="在道路上醉酒驾驶机动车，血液酒精含量达到80毫克",
        evidence_guide="血液酒精含量鉴定、执法记录仪视频",
    )
    cases = {
        "theft": make_case(
            "张某入户盗窃案",
            facts="被告人张某撬锁进入被害人家中，秘密窃取现金二千元及手机一部，价值共计五千元。",
            charges=[theft],
            cited=[articles[264]],
            case_date=dt.date(2023, 5, 1),
            source_id="case-theft",
            kind="criminal",
            level="typical",
        ),
        "drunk": make_case(
            "李某醉酒驾驶案",
            facts="被告人李某酒后驾驶小型轿车在道路上行驶，经鉴定血液中乙醇含量为150mg/100ml。",
            charges=[driving],
            cited=[drunk],
            case_date=dt.date(2022, 3, 1),
            source_id="case-drunk",
            kind="criminal",
            level="guiding",
        ),
        "fraud": make_case(
            "王某电信诈骗案",
            facts="被告人王某冒充客服虚构退款理由，诱骗被害人转账人民币五万元。",
            charges=[fraud],
            cited=[articles[266]],
            case_date=dt.date(2022, 8, 1),
            source_id="case-fraud",
            kind="criminal",
            level="typical",
        ),
    }
    if restricted_unit is not None:
        cases["secret"] = make_case(
            "内部通报盗窃电缆案",
            facts="被告人钱某盗窃单位仓库内的电缆，撬锁入库，价值二万元。",
            charges=[theft],
            cited=[articles[264]],
            case_date=dt.date(2024, 1, 1),
            source_id="case-secret",
            restricted_units=[restricted_unit],
        )
    return {
        "law": law,
        "articles": articles,
        "drunk_article": drunk,
        "charges": {"theft": theft, "fraud": fraud, "driving": driving},
        "cases": cases,
    }
