-- Where the database was built from and when; is_demo marks the demo programme.
select source_dir, is_demo, built_at
from build_info
