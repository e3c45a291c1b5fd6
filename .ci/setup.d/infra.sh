# Infrastructure checks: docker-compose validates the Compose template (and ships the Compose specification's
# schema the test validates against); Jinja renders the DAGs' templated commands as Airflow does.
packages+=(docker-compose python3-jinja2)
