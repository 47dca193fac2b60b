"""Operating the service: health, metrics, logs, request statistics, migrations."""
