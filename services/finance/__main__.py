from services.finance.app import SERVICE, build_app
from services.finance.config import FinanceSettings
from shared.serve import serve

serve(SERVICE, FinanceSettings, build_app)
