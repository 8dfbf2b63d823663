"""The goal editor's words in English and Japanese (#13), merged into the content editor's
(editor_labels.EDITOR): a goal is edited with the same form parts as a checklist's rules."""

from __future__ import annotations

GOAL_EDITOR: dict[str, dict[str, str]] = {
    "en": {
        "goals": "Goals",
        "new_goal": "New goal",
        "goal_intro": "What “onboarding complete” means for the audience below: the dashboard "
        "measures every user and company against it.",
        "rules": "Completed when",
        "match": "Users complete the goal when they meet",
        "match_all": "all of these rules (at the time of the last one)",
        "match_any": "any of these rules (at the time of the first one)",
        "rule": "Rule {n}",
        "rule_title": "Label on the dashboard (optional)",
        "rule_is": "Rule",
        "add_rule": "Add a rule",
        "company_rule": "A company is onboarded when",
        "company_all": "every user of its audience completed",
        "company_share": "a share of its audience users completed",
        "company_role": "every user with a given trait value completed",
        "company_percent": "Share of its users (%)",
        "company_trait": "User trait (empty: role)",
        "company_value": "Value (e.g. admin)",
    },
    "ja": {
        "goals": "ゴール",
        "new_goal": "新しいゴール",
        "goal_intro": "下のオーディエンスにとっての「オンボーディング完了」の定義です。"
        "ダッシュボードはすべてのユーザーと企業をこれで測ります。",
        "rules": "完了の条件",
        "match": "ユーザーがゴールを完了するのは",
        "match_all": "次のルールをすべて満たしたとき（最後のルールの時刻）",
        "match_any": "次のルールのいずれかを満たしたとき（最初のルールの時刻）",
        "rule": "ルール {n}",
        "rule_title": "ダッシュボードでの表示名（任意）",
        "rule_is": "ルール",
        "add_rule": "ルールを追加",
        "company_rule": "企業がオンボーディング完了となるのは",
        "company_all": "オーディエンスの全ユーザーが完了したとき",
        "company_share": "オーディエンスのユーザーの一定割合が完了したとき",
        "company_role": "特定の属性値を持つユーザー全員が完了したとき",
        "company_percent": "ユーザーの割合（%）",
        "company_trait": "ユーザー属性（空欄：role）",
        "company_value": "値（例：admin）",
    },
}
