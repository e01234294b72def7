from services.brokerage.app import SERVICE, build_app
from shared.serve import serve

serve(SERVICE, build_app)
