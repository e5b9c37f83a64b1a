from django.contrib.auth import views as auth_views
from django.urls import path

from zhike.analytics import views as analytics_views
from zhike.archive import import_views
from zhike.archive import views as archive_views
from zhike.credit import evidence_views as credit_evidence_views
from zhike.credit import review_views as credit_review_views
from zhike.credit import views as credit_views
from zhike.engagement import plan_views
from zhike.engagement import views as engagement_views
from zhike.grading import views as grading_views
from zhike.ownership import views as ownership_views
from zhike.policy.revisions import views as policy_views
from zhike.servicedesk import report_views as service_report_views
from zhike.servicedesk import views as service_views
from zhike.trade import views as trade_views
from zhike.workflow import inbox_views
from zhike.workflow import views as workflow_views

from . import hub, views

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("regions.json", views.regions_json, name="regions"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("analytics/", analytics_views.dashboard_page, name="analytics"),
    path("analytics/<slug:key>/", analytics_views.report_page, name="analytics-report"),
    path("customers/", archive_views.customer_list, name="customer-list"),
    path("customers/new/", archive_views.customer_create, name="customer-create"),
    path("customers/views/", archive_views.saved_views, name="saved-views"),
    path("customers/export/", archive_views.customer_export, name="customer-export"),
    path("customers/import/", import_views.customer_import, name="customer-import"),
    path("customers/import/template.xlsx", import_views.import_template, name="import-template"),
    path("imports/<uuid:job_id>/", import_views.import_detail, name="import-detail"),
    path("exports/<uuid:export_id>/", archive_views.export_download, name="export-download"),
    path("customers/<id:customer_id>/", archive_views.customer_detail, name="customer-detail"),
    path("customers/<id:customer_id>/edit/", archive_views.customer_edit, name="customer-edit"),
    path("customers/<id:customer_id>/merge/", archive_views.customer_merge, name="customer-merge"),
    path(
        "customers/<id:customer_id>/grading/",
        grading_views.customer_grading,
        name="customer-grading",
    ),
    path("trade/import/", trade_views.order_import, name="order-import"),
    path(
        "trade/import/template.xlsx",
        trade_views.order_import_template,
        name="order-import-template",
    ),
    path(
        "grading/admission/<id:check_id>/attachment",
        grading_views.admission_attachment,
        name="admission-attachment",
    ),
    path("grading/reviews/", grading_views.review_list, name="review-list"),
    path("grading/treatment/", grading_views.treatment_matrix, name="treatment-matrix"),
    path("grading/blacklist/", grading_views.blacklist_page, name="blacklist"),
    path("grading/reviews/<id:review_id>/", grading_views.review_detail, name="review-detail"),
    path(
        "customers/<id:customer_id>/follow-ups/",
        engagement_views.customer_follow_ups,
        name="customer-follow-ups",
    ),
    path(
        "follow-ups/<id:follow_up_id>/", engagement_views.follow_up_detail, name="follow-up-detail"
    ),
    path(
        "follow-ups/attachments/<id:attachment_id>/",
        engagement_views.attachment_file,
        name="follow-up-attachment",
    ),
    path("customers/<id:customer_id>/summary/", hub.customer_summary, name="customer-summary"),
    path("visits/behind/", engagement_views.visits_behind, name="visits-behind"),
    path("ownership/pool/", ownership_views.pool_page, name="ownership-pool"),
    path("ownership/pool/<id:customer_id>/claim/", ownership_views.claim, name="ownership-claim"),
    path("ownership/assign/", ownership_views.assign, name="ownership-assign"),
    path("ownership/distribute/", ownership_views.distribute, name="ownership-distribute"),
    path("ownership/mine/", ownership_views.mine, name="ownership-mine"),
    path("ownership/history/", ownership_views.my_history, name="ownership-history"),
    path("ownership/reassign/", ownership_views.reassign_page, name="ownership-reassign"),
    path("ownership/reception/", ownership_views.reception_page, name="ownership-reception"),
    path(
        "ownership/customers/<id:customer_id>/",
        ownership_views.customer_ownership,
        name="ownership-customer",
    ),
    path("credit/customers/<id:customer_id>/ship/", credit_views.ship_page, name="credit-ship"),
    path(
        "credit/customers/<id:customer_id>/attestations/<str:requirement>/file",
        credit_evidence_views.attestation_file,
        name="credit-attestation-file",
    ),
    path("credit/unapproved/", credit_evidence_views.unapproved_page, name="credit-unapproved"),
    path("credit/aging/", credit_views.aging_page, name="credit-aging"),
    path(
        "credit/shipments/<id:shipment_id>/over-limit/",
        credit_views.over_limit_form,
        name="credit-over-limit-form",
    ),
    path("credit/reviews/", credit_review_views.review_list, name="credit-reviews"),
    path("credit/bad-debts/", credit_views.bad_debts_page, name="credit-bad-debts"),
    path("credit/reviews/<id:review_id>/", credit_review_views.review_page, name="credit-review"),
    path("service/", service_views.queue_page, name="service-queue"),
    path("service/new/", service_views.new_page, name="service-new"),
    path("service/stats/", service_report_views.stats_page, name="service-stats"),
    path("service/reports/", service_report_views.reports_page, name="service-reports"),
    path(
        "service/reports/<id:report_id>/",
        service_report_views.report_page,
        name="service-report",
    ),
    path("service/board/", service_report_views.board_page, name="service-board"),
    path("service/customers/", service_views.customer_matches, name="service-customers"),
    path(
        "service/complaints/<id:complaint_id>/",
        service_views.complaint_page,
        name="service-complaint",
    ),
    path(
        "service/complaints/<id:complaint_id>/document/",
        service_views.document_page,
        name="service-document",
    ),
    path(
        "service/attachments/<id:attachment_id>/",
        service_views.attachment_file,
        name="service-attachment",
    ),
    # The public complaint page and its status lookup: no sign-in (SRV-1).
    path("complain/", service_views.public_page, name="service-public"),
    path("complain/status/", service_views.public_status_page, name="service-public-status"),
    path("visits/plans/", plan_views.visit_plans, name="visits-plans"),
    path("visits/daily/", plan_views.daily_report, name="visits-daily"),
    path("visits/reports/", plan_views.customer_reports, name="visits-reports"),
    path("notices/", inbox_views.notices_page, name="notices"),
    path("notices/read-all/", inbox_views.notices_read_all, name="notices-read-all"),
    path("notices/<id:notice_id>/", inbox_views.notice_open, name="notice-open"),
    path("todos/", inbox_views.todos_page, name="todos"),
    path("todos/new/", inbox_views.todo_create, name="todo-create"),
    path("todos/<id:todo_id>/done/", inbox_views.todo_close, name="todo-done"),
    path("approvals/", workflow_views.approvals_page, name="approvals"),
    path("approvals/<id:request_id>/", workflow_views.approval_detail, name="approval-detail"),
    path("calendar/", workflow_views.calendar_page, name="calendar"),
    path("policy/", policy_views.policy_page, name="policy"),
    path("policy/current.toml", policy_views.policy_download, name="policy-download"),
]
