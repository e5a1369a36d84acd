from django.urls import path, re_path

from . import views, views_more, views_transfer

app_name = "customers"
urlpatterns = [
    path("menu/", views.home, name="home"),
    path("customers/", views.customer_list, name="list"),
    path("customers/new/", views.customer_new, name="new"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    path("customers/<int:pk>/visits/new/", views.visit_new, name="visit_new"),
    path("customers/<int:pk>/contacts/new/", views.contact_new, name="contact_new"),
    path("customers/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("customers/<int:pk>/review/", views.review, name="review"),
    path("customers/<int:pk>/transfer-request/", views_transfer.transfer_request, name="transfer_request"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/allocate/<int:pk>/", views.worklist_allocate, name="worklist_allocate"),
    path("worklist/reassign/<int:pk>/", views.worklist_reassign, name="worklist_reassign"),
    path("leads/", views.leads, name="leads"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    # §2.7 credit
    path("credit/", views_more.credit_worklist, name="credit"),
    path("customers/<int:pk>/credit/investigate/", views_more.credit_investigate, name="credit_investigate"),
    path("customers/<int:pk>/credit/rate/", views_more.credit_rate, name="credit_rate"),
    re_path(r"^customers/(?P<pk>\d+)/credit/(?P<kind>investigation|rating)-(?P<doc_id>\d+)\.(?P<fmt>pdf|xlsx)$",
            views_more.credit_form, name="credit_form"),
    path("customer-approvals/<int:approval_id>/decide/", views_more.approval_decide, name="approval_decide"),
    # §1.3 archive access
    path("customers/<int:pk>/access/", views_more.access_request, name="access_request"),
    re_path(r"^customers/(?P<pk>\d+)/borrow-card\.(?P<fmt>pdf|xlsx)$", views_more.borrow_card, name="borrow_card"),
    # §2.6 visit plans and minutes
    path("visit-plans/", views_more.visit_plans_page, name="visit_plans"),
    path("visit-plans/<int:plan_id>.pdf", views_more.visit_plan_pdf, name="visit_plan_pdf"),
    path("visits/<int:visit_id>/minutes/", views_more.minutes_new, name="minutes_new"),
    path("minutes/<int:minutes_id>/", views_more.minutes_action, name="minutes_action"),
    path("minutes/<int:minutes_id>.pdf", views_more.minutes_pdf, name="minutes_pdf"),
    # §2.5 upkeep
    path("customers/<int:pk>/verify/", views_more.verify, name="verify"),
    path("upkeep/", views_more.upkeep_page, name="upkeep"),
    path("upkeep/reports/<int:report_id>.pdf", views_more.info_report_file, name="info_report_pdf"),
    path("upkeep/reports.xlsx", views_more.info_reports_xlsx, name="info_reports_xlsx"),
]
