"""Air bulletins: the monthly and the daily report, and what they share."""
