from django.urls import path

from .complaints import views as complaints
from .jobs import views as jobs
from .public import views as public
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
    path("complaints/<int:pk>/form.pdf", complaints.form_pdf, name="complaint_pdf"),
    path("complaints/<int:pk>/<str:action>/", complaints.act, name="complaint_act"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/new/", jobs.new_job, name="new_job"),
    path("jobs/<int:pk>/", jobs.job, name="job"),
    path("jobs/<int:pk>/voucher.pdf", jobs.voucher_pdf, name="voucher_pdf"),
    path("jobs/<int:pk>/<str:action>/", jobs.act, name="job_act"),
    path("public/", public.form, name="public"),
    path("public/status/", public.status, name="public_status"),
]
