"""The controlled vocabularies of EVENTS.md and DOMAIN.md, with their Chinese labels."""

from __future__ import annotations

PURPOSES = {"attract": "吸引人", "filter": "过滤人", "retain": "留住人"}
MODELS = {"closed_circle": "陪伴圈子", "seeding": "种草群", "router": "路由群"}
COMMUNITY_TYPES = {
    "product": "产品型",
    "interest": "兴趣型",
    "brand": "品牌型",
    "knowledge": "知识型",
    "tool": "工具型",
    "cross": "综合型",
}
CARRIERS = {
    "qq": "QQ 群",
    "wechat": "微信群",
    "wecom": "企业微信",
    "telegram": "Telegram",
    "discord": "Discord",
    "feishu": "飞书",
    "offline": "线下",
    "other": "其他",
}
ROLES = {
    "owner": "群主",
    "admin": "管理员",
    "staff": "运营",
    "kol": "KOL",
    "leader": "团长",
    "member": "成员",
}
SOURCES = {
    "official_account": "公众号",
    "new_media": "新媒体内容",
    "fission_poster": "裂变海报",
    "friend": "朋友拉入",
    "offline": "线下",
    "ladder": "阶梯升级",
    "import": "导入",
    "other": "其他",
}
LEAVE_REASONS = {"leave": "主动退群", "kick": "被移出"}
MSG_TYPES = {
    "text": "文字",
    "image": "图片",
    "link": "链接",
    "file": "文件",
    "red_packet": "红包",
    "sticker": "表情",
    "system": "系统消息",
    "other": "其他",
}
ORGANS = {
    "daily_report": "每日日报",
    "file": "文件",
    "activity": "活动",
    "closed_meeting": "闭门会议",
    "team_building": "团建",
    "daily_topic": "每日话题",
    "red_packet": "红包",
    "kol_share": "KOL 分享",
    "salon": "沙龙",
    "lecture": "讲座",
}
KINDS = {
    "community": "社群声明",
    "join_request": "入群申请",
    "join": "入群",
    "leave": "退群",
    "message": "消息",
    "purchase": "购买",
    "refund": "退款",
    "invite": "邀请",
    "activity": "活动",
    "attend": "参与活动",
    "person": "个人资料",
}
STRATA = {"strong": "强意向", "intent": "意向", "weak": "弱意向"}
STAGES = {
    "user": "普通用户",
    "member": "会员",
    "fan": "粉丝",
    "iron_fan": "铁粉",
    "partner": "合伙人",
}
OPERATOR_ROLES = {"admin": "管理员", "operator": "运营", "viewer": "只读"}
