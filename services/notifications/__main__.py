from services.notifications.app import SERVICE, build_app
from services.notifications.config import NotificationsSettings
from shared.serve import serve

serve(SERVICE, NotificationsSettings, build_app)
