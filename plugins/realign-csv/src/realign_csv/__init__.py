"""realign-csv: read pulse-survey and KPI exports from CSV files into a realign fact file."""
