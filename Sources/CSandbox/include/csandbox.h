int csandbox_placeholder(void);
