from django.urls import URLPattern, URLResolver

from jingxi.public.citizen import urls as citizen_urls
from jingxi.public.portal import urls as portal_urls

app_name = "public"
# Citizens' reports and tracking (jingxi/public/citizen/), then the disclosure portal with
# its office pages and bulletins (jingxi/public/portal/).
urlpatterns: list[URLPattern | URLResolver] = [
    *citizen_urls.urlpatterns,
    *portal_urls.urlpatterns,
]
