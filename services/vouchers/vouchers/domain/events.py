"""Event types of the vouchers service (`vouchers.<name>`)."""

PROVIDER_APPLIED = "vouchers.provider_applied"
PROVIDER_APPROVED = "vouchers.provider_approved"
PROVIDER_REJECTED = "vouchers.provider_rejected"
PROVIDER_SUSPENDED = "vouchers.provider_suspended"
PROVIDER_REINSTATED = "vouchers.provider_reinstated"
PROVIDER_REVOKED = "vouchers.provider_revoked"
QUALITY_RESULT_RECORDED = "vouchers.quality_result_recorded"
DEFAULT_PROVIDER_DESIGNATED = "vouchers.default_provider_designated"

VOUCHER_GRANTED = "vouchers.voucher_granted"
PROVIDER_CHOSEN = "vouchers.provider_chosen"
PROVIDER_SWITCHED = "vouchers.provider_switched"
SWITCH_CANCELLED = "vouchers.switch_cancelled"
UNITS_REDEEMED = "vouchers.units_redeemed"
OUTCOME_BONUS_GRANTED = "vouchers.outcome_bonus_granted"
PERSONAL_DATA_ERASED = "vouchers.personal_data_erased"

PAYMENT_MADE = "vouchers.payment_made"

PROVIDER_EVENTS = (
    PROVIDER_APPLIED,
    PROVIDER_APPROVED,
    PROVIDER_REJECTED,
    PROVIDER_SUSPENDED,
    PROVIDER_REINSTATED,
    PROVIDER_REVOKED,
    QUALITY_RESULT_RECORDED,
)
VOUCHER_EVENTS = (
    VOUCHER_GRANTED,
    PROVIDER_CHOSEN,
    PROVIDER_SWITCHED,
    SWITCH_CANCELLED,
    UNITS_REDEEMED,
    OUTCOME_BONUS_GRANTED,
    PERSONAL_DATA_ERASED,
)
