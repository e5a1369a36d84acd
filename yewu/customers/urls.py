from django.urls import path, re_path

from yewu.customers.archive import transfer_views, views
from yewu.customers.credit import views as credit
from yewu.customers.leads import views as leads
from yewu.customers.lending import views as lending
from yewu.customers.notices import views as notices
from yewu.customers.upkeep import views as upkeep
from yewu.customers.visits import views as visits

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
    path("customers/<int:pk>/transfer-request/", transfer_views.transfer_request, name="transfer_request"),
    path("leads/", leads.leads, name="leads"),
    path("notifications/", notices.notifications, name="notifications"),
    path("notifications/read/", notices.notifications_read, name="notifications_read"),
    # §2.7 credit
    path("credit/", credit.credit_worklist, name="credit"),
    path("customers/<int:pk>/credit/investigate/", credit.credit_investigate, name="credit_investigate"),
    path("customers/<int:pk>/credit/rate/", credit.credit_rate, name="credit_rate"),
    re_path(r"^customers/(?P<pk>\d+)/credit/(?P<kind>investigation|rating)-(?P<doc_id>\d+)\.(?P<fmt>pdf|xlsx)$",
            credit.credit_form, name="credit_form"),
    path("customer-approvals/<int:approval_id>/decide/", credit.approval_decide, name="approval_decide"),
    # §1.3 archive access
    path("customers/<int:pk>/access/", lending.access_request, name="access_request"),
    re_path(r"^customers/(?P<pk>\d+)/borrow-card\.(?P<fmt>pdf|xlsx)$", lending.borrow_card, name="borrow_card"),
    # §2.6 visit plans and minutes
    path("visit-plans/", visits.visit_plans_page, name="visit_plans"),
    path("visit-plans/<int:plan_id>.pdf", visits.visit_plan_pdf, name="visit_plan_pdf"),
    path("visits/<int:visit_id>/minutes/", visits.minutes_new, name="minutes_new"),
    path("minutes/<int:minutes_id>/", visits.minutes_action, name="minutes_action"),
    path("minutes/<int:minutes_id>.pdf", visits.minutes_pdf, name="minutes_pdf"),
    # §2.5 upkeep
    path("customers/<int:pk>/verify/", upkeep.verify, name="verify"),
    path("upkeep/", upkeep.upkeep_page, name="upkeep"),
    path("upkeep/reports/<int:report_id>.pdf", upkeep.info_report_file, name="info_report_pdf"),
    path("upkeep/reports.xlsx", upkeep.info_reports_xlsx, name="info_reports_xlsx"),
]
