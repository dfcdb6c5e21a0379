/* Unit tests of sinks/salesforce_auth: the JWT bearer assertion's claims, the token endpoint's
 * answers (a token, or a refusal explained with its fix), and the login options checked with
 * a key generated at test time (never a committed one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sinks/salesforce_auth.h"
#include "util/vg_alloc.h"

static char dir[] = "/tmp/vg_sf_authXXXXXX";
static char key_path[64], enc_path[64];

static void write_key(const char *path, EVP_PKEY *k, const char *pass)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (pass)
        assert_int_equal(PEM_write_PKCS8PrivateKey(f, k, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)pass), 1);
    else
        assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
}

static int setup(void **state)
{
    if (!mkdtemp(dir))
        return -1;
    EVP_PKEY *k = EVP_RSA_gen(2048);
    if (!k)
        return -1;
    snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
    snprintf(enc_path, sizeof(enc_path), "%s/enc.pem", dir);
    write_key(key_path, k, NULL);
    write_key(enc_path, k, "pass");
    EVP_PKEY_free(k);
    return 0;
}

static int teardown(void **state)
{
    unlink(key_path);
    unlink(enc_path);
    rmdir(dir);
    return 0;
}

static struct sf_config jwt_config(void)
{
    struct sf_config c = {0};
    c.auth = "jwt";
    c.login_url = "https://test.salesforce.com/";
    c.client_id = "3MVG9consumer";
    c.username = "vigie@acme.example";
    c.private_key = key_path;
    c.token_lifetime_ms = 30 * 60 * 1000;
    c.api_version = "v60.0";
    return c;
}

static void claims(void **state)
{
    char *c = sf_auth_claims("3MVG9consumer", "vigie@acme.example", "https://login.salesforce.com",
                             1700000000);
    cJSON *doc = cJSON_Parse(c);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "iss")->valuestring, "3MVG9consumer");
    assert_string_equal(cJSON_GetObjectItem(doc, "sub")->valuestring, "vigie@acme.example");
    assert_string_equal(cJSON_GetObjectItem(doc, "aud")->valuestring, "https://login.salesforce.com");
    /* exp a few minutes ahead: Salesforce refuses an assertion valid for longer */
    assert_true(cJSON_GetObjectItem(doc, "exp")->valuedouble == 1700000180.0);
    cJSON_Delete(doc);
    vg_free(c);
}

static void token_answers(void **state)
{
    char *tok, *inst, msg[512];
    const char *ok = "{\"access_token\":\"00Dxx!AQ0\",\"instance_url\":\"https://acme.my.salesforce.com/\","
                     "\"id\":\"https://login.salesforce.com/id/00D/005\",\"token_type\":\"Bearer\","
                     "\"scope\":\"api\"}";
    assert_int_equal(sf_auth_parse(200, ok, strlen(ok), &tok, &inst, msg, sizeof(msg)), SF_AUTH_OK);
    assert_string_equal(tok, "00Dxx!AQ0");
    assert_string_equal(inst, "https://acme.my.salesforce.com");
    vg_free(tok);
    vg_free(inst);

    const char *no = "{\"error\":\"invalid_grant\",\"error_description\":\"user hasn't approved this consumer\"}";
    assert_int_equal(sf_auth_parse(400, no, strlen(no), &tok, &inst, msg, sizeof(msg)), SF_AUTH_REFUSED);
    assert_null(tok);
    assert_non_null(strstr(msg, "invalid_grant: user hasn't approved this consumer"));
    assert_non_null(strstr(msg, "pre-authorize")); /* and how to fix it */

    no = "{\"error\":\"invalid_grant\",\"error_description\":\"audience is invalid\"}";
    assert_int_equal(sf_auth_parse(400, no, strlen(no), &tok, &inst, msg, sizeof(msg)), SF_AUTH_REFUSED);
    assert_non_null(strstr(msg, "test.salesforce.com"));
    no = "{\"error\":\"invalid_client_id\",\"error_description\":\"client identifier invalid\"}";
    assert_int_equal(sf_auth_parse(400, no, strlen(no), &tok, &inst, msg, sizeof(msg)), SF_AUTH_REFUSED);
    assert_non_null(strstr(msg, "consumer key"));
    no = "{\"error\":\"invalid_grant\",\"error_description\":\"invalid assertion\"}";
    assert_int_equal(sf_auth_parse(400, no, strlen(no), &tok, &inst, msg, sizeof(msg)), SF_AUTH_REFUSED);
    assert_non_null(strstr(msg, "certificate"));

    /* Passing: ask again later, no pause. */
    assert_int_equal(sf_auth_parse(503, "busy", 4, &tok, &inst, msg, sizeof(msg)), SF_AUTH_PASSING);
    assert_int_equal(sf_auth_parse(0, NULL, 0, &tok, &inst, msg, sizeof(msg)), SF_AUTH_PASSING);
    /* A 200 that is no token (a proxy's page, a wrong token_url). */
    assert_int_equal(sf_auth_parse(200, "<html>", 6, &tok, &inst, msg, sizeof(msg)), SF_AUTH_PASSING);
    const char *bad = "{\"access_token\":\"a\\r\\nX-Evil: 1\",\"instance_url\":\"https://x\"}";
    assert_int_equal(sf_auth_parse(200, bad, strlen(bad), &tok, &inst, msg, sizeof(msg)), SF_AUTH_PASSING);
    assert_null(tok);
}

static void session_options(void **state)
{
    char err[512];
    struct sf_config c = jwt_config();
    struct sf_session *s = sf_session_new(&c, err, sizeof(err));
    assert_non_null(s);
    assert_null(sf_session_instance(s)); /* not logged in yet */
    assert_int_equal(sf_session_invalidate(s), 1); /* jwt: a new token can be had */
    sf_session_free(s);

    c = jwt_config();
    c.private_key = enc_path;
    assert_null(sf_session_new(&c, err, sizeof(err)));
    assert_non_null(strstr(err, "encrypted"));

    c = jwt_config();
    c.private_key = "/nonexistent/key.pem";
    assert_null(sf_session_new(&c, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/key.pem"));

    c = jwt_config();
    c.username = "";
    assert_null(sf_session_new(&c, err, sizeof(err)));
    assert_non_null(strstr(err, "username"));

    /* A systemd credential: read whole from $CREDENTIALS_DIRECTORY. */
    c = jwt_config();
    c.private_key = "";
    c.private_key_credential = "key.pem";
    unsetenv("CREDENTIALS_DIRECTORY");
    assert_null(sf_session_new(&c, err, sizeof(err)));
    assert_non_null(strstr(err, "CREDENTIALS_DIRECTORY"));
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    s = sf_session_new(&c, err, sizeof(err));
    assert_non_null(s);
    sf_session_free(s);
    c.private_key_credential = "../key.pem";
    assert_null(sf_session_new(&c, err, sizeof(err)));
    unsetenv("CREDENTIALS_DIRECTORY");

    /* A given token: ready at once; a 401 cannot be cured by logging in again. */
    struct sf_config t = {0};
    t.auth = "token";
    t.instance_url = "https://acme.my.salesforce.com/";
    t.access_token = "00Dgiven";
    s = sf_session_new(&t, err, sizeof(err));
    assert_non_null(s);
    struct sf_transport none = {0};
    assert_int_equal(sf_session_ready(s, &none, NULL, NULL, err, sizeof(err)), 1);
    assert_string_equal(sf_session_instance(s), "https://acme.my.salesforce.com");
    assert_string_equal(sf_session_header(s), "Authorization: Bearer 00Dgiven");
    assert_int_equal(sf_session_invalidate(s), 0);
    sf_session_free(s);
    t.access_token = "";
    assert_null(sf_session_new(&t, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(claims),
        cmocka_unit_test(token_answers),
        cmocka_unit_test(session_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
