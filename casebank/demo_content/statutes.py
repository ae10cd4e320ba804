"""The laws the demo content cites, with their dates, and the articles' texts.

Article texts (``statutes.json``) are entered as the law reads, each with the date the quoted
text took effect. ``EARLIER_VERSIONS`` holds texts that were in force before an amendment, so
the library can show, e.g., 刑法第三百零三条 as it read on 2019-05-01.
"""

import json
from pathlib import Path

LAWS = [
    {
        "name": "中华人民共和国刑法",
        "short_name": "刑法",
        "level": "law",
        "issuing_body": "全国人民代表大会",
        "promulgated_on": "1979-07-01",
        "effective_on": "1997-10-01",
        "amended_on": "2023-12-29",
        "status": "current",
        "history": "1979年7月1日第五届全国人民代表大会第二次会议通过\n"
        "1997年3月14日第八届全国人民代表大会第五次会议修订，自1997年10月1日起施行\n"
        "此后经全国人大常委会决定及刑法修正案至修正案（十二）（2023年12月29日）修正",
    },
    {
        "name": "中华人民共和国治安管理处罚法",
        "short_name": "治安管理处罚法",
        "level": "law",
        "issuing_body": "全国人民代表大会常务委员会",
        "promulgated_on": "2005-08-28",
        "effective_on": "2006-03-01",
        "amended_on": "2012-10-26",
        "status": "amended",
        "history": "2005年8月28日第十届全国人民代表大会常务委员会第十七次会议通过，自2006年3月1日起施行\n"
        "2012年10月26日第十一届全国人民代表大会常务委员会第二十九次会议修正\n"
        "2025年6月27日第十四届全国人民代表大会常务委员会第十六次会议修订，自2026年1月1日起施行（修订后文本尚未导入本库）",
        # The 2012 text stopped being in force when the 2025 revision took effect.
        "versions_end": "2025-12-31",
    },
    {
        "name": "中华人民共和国刑事诉讼法",
        "short_name": "刑事诉讼法",
        "level": "law",
        "issuing_body": "全国人民代表大会",
        "promulgated_on": "1979-07-01",
        "effective_on": "2018-10-26",
        "amended_on": "2018-10-26",
        "status": "current",
        "history": "1979年7月1日第五届全国人民代表大会第二次会议通过\n"
        "1996年3月17日第八届全国人民代表大会第四次会议第一次修正\n"
        "2012年3月14日第十一届全国人民代表大会第五次会议第二次修正\n"
        "2018年10月26日第十三届全国人民代表大会常务委员会第六次会议第三次修正",
    },
    {
        "name": "公安机关办理刑事案件程序规定",
        "short_name": "公安机关办理刑事案件程序规定",
        "level": "departmental_rule",
        "issuing_body": "公安部",
        "promulgated_on": "2012-12-13",
        "effective_on": "2020-09-01",
        "amended_on": "2020-07-20",
        "status": "current",
        "history": "2012年12月13日公安部令第127号修订发布\n2020年7月20日公安部令第159号修正，自2020年9月1日起施行",
    },
    {
        "name": "公安机关办理行政案件程序规定",
        "short_name": "公安机关办理行政案件程序规定",
        "level": "departmental_rule",
        "issuing_body": "公安部",
        "promulgated_on": "2012-12-19",
        "effective_on": "2013-01-01",
        "amended_on": "2018-11-25",
        "status": "current",
        "history": "2012年12月19日公安部令第125号发布，自2013年1月1日起施行\n"
        "2014年6月29日公安部令第132号第一次修正\n2018年11月25日公安部令第149号第二次修正",
    },
]

EARLIER_VERSIONS = [
    {
        "law": "中华人民共和国刑法",
        "label": "第二百七十七条",
        "effective_from": "2015-11-01",
        "effective_to": "2021-02-28",
        "text": "以暴力、威胁方法阻碍国家机关工作人员依法执行职务的，处三年以下有期徒刑、拘役、管制或者罚金。\n"
        "以暴力、威胁方法阻碍全国人民代表大会和地方各级人民代表大会代表依法执行代表职务的，依照前款的规定处罚。\n"
        "在自然灾害和突发事件中，以暴力、威胁方法阻碍红十字会工作人员依法履行职责的，依照第一款的规定处罚。\n"
        "故意阻碍国家安全机关、公安机关依法执行国家安全工作任务，未使用暴力、威胁方法，造成严重后果的，依照第一款的规定处罚。\n"
        "暴力袭击正在依法执行职务的人民警察的，依照第一款的规定从重处罚。",
    },
    {
        "law": "中华人民共和国刑法",
        "label": "第三百零三条",
        "effective_from": "2006-06-29",
        "effective_to": "2021-02-28",
        "text": "以营利为目的，聚众赌博或者以赌博为业的，处三年以下有期徒刑、拘役或者管制，并处罚金。\n"
        "开设赌场的，处三年以下有期徒刑、拘役或者管制，并处罚金；情节严重的，处三年以上十年以下有期徒刑，并处罚金。",
    },
]


def articles() -> list[dict]:
    """Return the demo articles (law, label, number, sub_number, chapter_path, text, effective_from)."""
    return json.loads(
        (Path(__file__).with_name("statutes.json")).read_text(encoding="utf-8")
    )
