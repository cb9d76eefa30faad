# project/ is run by its own pytest (its pytest.ini, its settings) in a subprocess.
collect_ignore = ["project"]
