"""The disclosure portal's URLs, included by `jingxi/public/urls.py` under the app's
namespace ("public"), so their names and paths stay those of the one public app."""

from django.urls import URLPattern, URLResolver, path

from jingxi.public.portal import views as portal
from jingxi.public.portal import views_bulletins as bulletin_views
from jingxi.public.portal import views_staff as portal_staff

# The portal's pages (views.py) and the office's pages of it (views_staff.py).
urlpatterns: list[URLPattern | URLResolver] = [
    path("", portal.portal, name="portal"),
    path("figures/", portal.figures, name="figures"),
    path("map/", portal.grid_map, name="grid-map"),
    path("map/grids.geojson", portal.grid_map_data, name="grid-map-data"),
    path("typical/", portal.typical_list, name="typical-list"),
    path("typical/<id:typical_id>/", portal.typical_detail, name="typical-detail"),
    path("typical/<id:typical_id>/<slug:which>.jpg", portal.typical_photo, name="typical-photo"),
    path("road-chiefs/", portal.road_boards, name="road-boards"),
    path("consultations/", portal.consultation_list, name="consultation-list"),
    path(
        "consultations/<id:consultation_id>/",
        portal.consultation_detail,
        name="consultation-detail",
    ),
    path("suggestions/", portal.suggestion_list, name="suggestion-list"),
    path("suggestions/new/", portal.suggestion_new, name="suggestion-new"),
    path("staff/", portal_staff.staff_home, name="staff-home"),
    path("staff/suggestions/", portal_staff.suggestion_queue, name="staff-suggestion-list"),
    path("staff/suggestions/new/", portal_staff.suggestion_new, name="staff-suggestion-new"),
    path(
        "staff/suggestions/<id:suggestion_id>/",
        portal_staff.suggestion_detail,
        name="staff-suggestion-detail",
    ),
    path(
        "staff/suggestions/<id:suggestion_id>/publish/",
        portal_staff.suggestion_publish,
        name="staff-suggestion-publish",
    ),
    path("staff/media/", portal_staff.media_list, name="staff-media-list"),
    path("staff/media/new/", portal_staff.media_new, name="staff-media-new"),
    path("staff/consultations/", portal_staff.consultation_list, name="staff-consultation-list"),
    path("staff/consultations/new/", portal_staff.consultation_new, name="staff-consultation-new"),
    path(
        "staff/consultations/<id:consultation_id>/",
        portal_staff.consultation_detail,
        name="staff-consultation-detail",
    ),
    path(
        "staff/consultations/<id:consultation_id>/act/",
        portal_staff.consultation_act,
        name="staff-consultation-act",
    ),
    path(
        "staff/comments/<id:comment_id>/moderate/",
        portal_staff.comment_moderate,
        name="staff-comment-moderate",
    ),
    path("staff/hearings/new/", portal_staff.hearing_new, name="staff-hearing-new"),
    path("staff/typical/", portal_staff.typical_list, name="staff-typical-list"),
    path("staff/typical/new/<id:case_id>/", portal_staff.typical_new, name="staff-typical-new"),
    path(
        "staff/typical/<id:typical_id>/publish/",
        portal_staff.typical_toggle,
        name="staff-typical-toggle",
    ),
    path("staff/trace/", portal_staff.trace, name="staff-trace"),
]

# Bulletins (通报 / 公告): public pages and the office's (views_bulletins.py).

urlpatterns += [
    path("bulletins/", bulletin_views.bulletin_list, name="bulletin-list"),
    path("bulletins/<id:bulletin_id>/", bulletin_views.bulletin_detail, name="bulletin-detail"),
    path("bulletins/<id:bulletin_id>/pdf/", bulletin_views.bulletin_pdf, name="bulletin-pdf"),
    path("staff/bulletins/", bulletin_views.staff_bulletin_list, name="staff-bulletin-list"),
    path("staff/bulletins/new/", bulletin_views.staff_bulletin_new, name="staff-bulletin-new"),
    path(
        "staff/bulletins/<id:bulletin_id>/",
        bulletin_views.staff_bulletin_detail,
        name="staff-bulletin-detail",
    ),
    path(
        "staff/bulletins/<id:bulletin_id>/edit/",
        bulletin_views.staff_bulletin_edit,
        name="staff-bulletin-edit",
    ),
    path(
        "staff/bulletins/<id:bulletin_id>/act/",
        bulletin_views.staff_bulletin_act,
        name="staff-bulletin-act",
    ),
    path(
        "staff/bulletins/<id:bulletin_id>/pdf/",
        bulletin_views.staff_bulletin_pdf,
        name="staff-bulletin-pdf",
    ),
]
