from services.brokerage.app import SERVICE, build_app
from services.brokerage.config import BrokerageSettings
from shared.serve import serve

serve(SERVICE, BrokerageSettings, build_app)
