from django.urls import path

from .api import MyRecordView

urlpatterns = [
    path("my/record", MyRecordView.as_view(), name="records-my-record"),
]
