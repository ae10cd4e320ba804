app_name = "casebank"

urlpatterns: list = []
