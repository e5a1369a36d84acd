from django.urls import path

from .complaints import views as complaints
from .jobs import views as jobs
from .public import views as public
from .revisits import views as revisits
from .tickets import views as tickets

app_name = "service"
urlpatterns = [
    path("", tickets.desk, name="desk"),
    path("tickets/", tickets.ticket_list, name="tickets"),
    path("tickets/new/", tickets.new_ticket, name="new_ticket"),
    path("tickets/<int:pk>/", tickets.ticket, name="ticket"),
    path("tickets/<int:pk>/respond/", tickets.respond, name="respond"),
    path("complaints/", complaints.complaint_list, name="complaints"),
    path("complaints/analysis/", complaints.analysis, name="analysis"),
    path("complaints/<int:pk>/", complaints.complaint, name="complaint"),
    path("complaints/<int:pk>/documents/<str:kind>.<str:fmt>", complaints.document, name="complaint_document"),
    path("complaints/<int:pk>/<str:action>/", complaints.act, name="complaint_act"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/new/", jobs.new_job, name="new_job"),
    path("jobs/<int:pk>/", jobs.job, name="job"),
    path("jobs/technicians/", jobs.technicians, name="technicians"),
    path("jobs/surveys/", jobs.surveys, name="surveys"),
    path("jobs/<int:pk>/documents/<str:kind>.<str:fmt>", jobs.document, name="job_document"),
    path("jobs/<int:pk>/<str:action>/", jobs.act, name="job_act"),
    path("visits/", revisits.visit_list, name="visits"),
    path("visits/<int:pk>/", revisits.visit, name="visit"),
    path("visits/<int:pk>/record.<str:fmt>", revisits.visit_document, name="visit_document"),
    path("campaigns/", revisits.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", revisits.campaign, name="campaign"),
    path("campaigns/<int:pk>/report.<str:fmt>", revisits.campaign_report, name="campaign_report"),
    path("campaigns/<int:pk>/<str:action>/", revisits.campaign_act, name="campaign_act"),
    path("public/", public.form, name="public"),
    path("public/status/", public.status, name="public_status"),
]
