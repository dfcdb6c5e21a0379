/* console_account — placeholder while the page is written. */
#include "daemon/console_html.h"

int console_account_page(const struct console_req *req, struct console_reply *rep)
{
    console_html_begin(&rep->body, req, "account", "portfolio");
    console_html_end(&rep->body, req);
    return 0;
}
