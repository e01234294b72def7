from services.bookings.app import SERVICE, build_app
from services.bookings.config import BookingsSettings
from shared.serve import serve

serve(SERVICE, BookingsSettings, build_app)
