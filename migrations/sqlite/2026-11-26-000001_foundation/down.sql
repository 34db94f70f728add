DROP TABLE login_throttle;
DROP TABLE app_settings;
DROP TABLE users;
DROP TABLE organisations;
DROP TABLE structures;
