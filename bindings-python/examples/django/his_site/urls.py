"""The example HIS's URLs: the platform's /deductCheck and the front desk's endpoints."""

from django.urls import path

from his import views

# [readme:django-urls]
from glorycard.institution import django_view

from his.services import handler

urlpatterns = [
    path("deductCheck", django_view(handler)),  # exactly POST /deductCheck, CSRF-exempt
    path("holders/lookup", views.lookup_holder),
    path("visits/<str:visit_id>/deduction", views.record_deduction),
    path("visits/<str:visit_id>/cancellation", views.cancel_deduction),
]
# [/readme:django-urls]
